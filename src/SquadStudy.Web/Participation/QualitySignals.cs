using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Participation;

/// <summary>
/// The hidden fields wwwroot/js/quality.js fills in the question form, read into
/// <see cref="InputSignals"/>. A form without <see cref="Trusted"/> (the script did not run, or no
/// person pressed a key or pointed) counts as <see cref="InputSignals.NoTrustedInput"/>. The fields
/// are the participant's own report and can be forged; they flag, never exclude by themselves.
/// </summary>
public static class QualitySignals
{
    public const string Hidden = "QHidden";
    public const string Pasted = "QPasted";
    public const string Untrusted = "QUntrusted";
    public const string Trusted = "QTrusted";

    public static InputSignals Read(IFormCollection form)
    {
        var signals = InputSignals.None;
        if (form[Hidden] == "1")
        {
            signals |= InputSignals.Hidden;
        }
        if (form[Pasted] == "1")
        {
            signals |= InputSignals.Pasted;
        }
        if (form[Untrusted] == "1")
        {
            signals |= InputSignals.Untrusted;
        }
        if (form[Trusted] != "1")
        {
            signals |= InputSignals.NoTrustedInput;
        }
        return signals;
    }
}
