using Microsoft.AspNetCore.Mvc;
using SquadStudy.Studies;
using SquadStudy.Web.Infrastructure;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.Participate;

/// <summary>
/// <c>/s/{slug}/instructions</c>: the study's own instructions, or, for a study without any, the
/// built-in ones with a worked example of each question type in the plan.
/// </summary>
public sealed class InstructionsModel(ParticipationService service) : ParticipantPageModel(service)
{
    public string InstructionsHtml { get; private set; } = "";
    public IReadOnlyList<string> Kinds { get; private set; } = [];
    /// <summary>The language the study's instructions are in (its own where it has none in the page's language).</summary>
    public string InstructionsLanguage { get; private set; } = StudyLanguages.Default;

    /// <summary>The comprehension gate when the study has one not yet passed, else the first question.</summary>
    public string StartHref { get; private set; } = "";

    /// <summary>Whether the study's instructions open with their own heading (then the page adds none).</summary>
    public bool InstructionsHaveHeading => InstructionsHtml.StartsWith("<h", StringComparison.Ordinal);

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, requireParticipant: true) is { } early)
        {
            return early;
        }
        StartHref = Study!.NeedsGate(Participant!) ? ParticipantUrls.Gate(Request, slug) : ParticipantUrls.Question(Request, slug);
        var texts = await Service.TextsAsync(Study, LocalisationExtensions.CurrentLanguage, cancellationToken);
        InstructionsHtml = StudyMarkdown.ToHtml(texts.InstructionsMarkdown);
        InstructionsLanguage = texts.InstructionsLanguage;
        if (InstructionsHtml.Length == 0)
        {
            Kinds = await Service.ExperimentsInPlanAsync(Participant!.Id, cancellationToken);
        }
        return Page();
    }
}
