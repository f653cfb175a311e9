using Microsoft.AspNetCore.Antiforgery;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Templates;

/// <summary>
/// The model of <c>QuestionForm.cshtml</c>: one question, its progress, an error after an invalid
/// POST, where the form posts to, and the antiforgery token it carries.
/// </summary>
public sealed record QuestionForm(QuestionView View, string? Error, string Action, AntiforgeryTokenSet Antiforgery)
{
    public int Number => View.Position + 1;
    public int ProgressPercent => View.PlanLength == 0 ? 100 : View.Position * 100 / View.PlanLength;
    public bool SideBySide => View.Images.Count > 1;
}
