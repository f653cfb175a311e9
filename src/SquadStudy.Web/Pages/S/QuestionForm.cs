using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.S;

/// <summary>The model of <c>_QuestionForm</c>: one question, its progress, and an error after an invalid POST.</summary>
public sealed record QuestionForm(QuestionView View, string? Error, string? Handler = null)
{
    public int Number => View.Position + 1;
    public int ProgressPercent => View.PlanLength == 0 ? 100 : View.Position * 100 / View.PlanLength;
    public bool SideBySide => View.Images.Count > 1;
}
