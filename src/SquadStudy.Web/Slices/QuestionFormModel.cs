using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Localization;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Slices;

/// <summary>
/// The model of <c>QuestionForm.cshtml</c>: one question, its progress, an error after an invalid
/// POST, where the form posts to, the antiforgery token it carries, the URL of its keyboard script,
/// the participant texts in the request's language, and the signed time it was shown
/// (<see cref="ShownStamps"/>; none in the researcher's preview).
/// </summary>
public sealed record QuestionFormModel(QuestionView View, string? Error, string Action, AntiforgeryTokenSet Antiforgery, string ScriptUrl, IStringLocalizer Text, string? ShownStamp = null)
{
    /// <summary>The quality signals' script (wwwroot/js/quality.js); none in the researcher's preview, which records nothing.</summary>
    public string? QualityScriptUrl { get; init; }

    public int Number => View.Position + 1;

    /// <summary>
    /// An image's text alternative: its neutral caption and the question's place in the plan, never
    /// what it shows (a class name, a model's prediction), which would give the answer away.
    /// </summary>
    public string AltText(QuestionImage image) => Text["{0}, question {1} of {2}", image.Caption, Number, View.PlanLength];
    public int ProgressPercent => View.PlanLength == 0 ? 100 : View.Position * 100 / View.PlanLength;
    public bool SideBySide => View.Images.Count > 1;
}

/// <summary>
/// The content of <c>/s/{slug}/q</c> (<c>QuestionPage.cshtml</c>) inside its document: a message,
/// a question form, or the "welcome back" choice after abandonment (the first that is set).
/// </summary>
public sealed record QuestionPageModel(ParticipantDocumentModel Document, string? Message = null, QuestionFormModel? Form = null, ResumeChoice? Resume = null);

/// <summary>The "welcome back" choice of a participant whose plan was released while away: continue (a POST to <paramref name="Action"/>) or withdraw.</summary>
public sealed record ResumeChoice(string Action, string WithdrawHref, AntiforgeryTokenSet Antiforgery);
