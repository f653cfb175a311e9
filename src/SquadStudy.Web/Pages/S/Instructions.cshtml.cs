using Microsoft.AspNetCore.Mvc;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.S;

/// <summary><c>/s/{slug}/instructions</c>: the study's instructions and a worked example of each question type in the plan.</summary>
public sealed class InstructionsModel(ParticipationService service) : ParticipantPageModel(service)
{
    public string InstructionsHtml { get; private set; } = "";
    public IReadOnlyList<string> Kinds { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, requireParticipant: true) is { } early)
        {
            return early;
        }
        InstructionsHtml = StudyMarkdown.ToHtml(Study!.InstructionsMarkdown);
        Kinds = await Service.ExperimentsInPlanAsync(Participant!.Id, cancellationToken);
        return Page();
    }
}
