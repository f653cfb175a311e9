using System.Text.RegularExpressions;

namespace SquadStudy.Studies;

/// <summary>
/// The languages the participant pages are translated into (docs/participants.md, "Languages"):
/// English, the default and the text of the code, and those with a resource file
/// <c>src/SquadStudy.Web/Participation/ParticipantText.{language}.resx</c>. A study pack may carry
/// its consent and instructions in each (<c>consent.de.md</c> beside <c>consent.md</c>); the import
/// says which of them fall back to the pack's own language.
/// </summary>
public static partial class StudyLanguages
{
    /// <summary>The language of the site's own texts, and of a pack's files unless study.json says otherwise (<c>"language"</c>).</summary>
    public const string Default = "en";

    /// <summary>Every language a participant can choose; add one here together with its resource file.</summary>
    public static IReadOnlyList<string> Supported { get; } = [Default, "de"];

    /// <summary>Names of the form the language tags of a pack file take (<c>de</c>, <c>pt-BR</c>).</summary>
    [GeneratedRegex("^[a-z]{2,3}(-[A-Z]{2})?$")]
    public static partial Regex TagPattern();

    /// <summary>The name a file has in <paramref name="language"/>: <c>consent.md</c> → <c>consent.de.md</c>.</summary>
    public static string Localised(string relativePath, string language)
    {
        var extension = Path.GetExtension(relativePath);
        return relativePath[..^extension.Length] + "." + language + extension;
    }
}
