using Microsoft.AspNetCore.Mvc;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.S;

/// <summary>
/// <c>/s/{slug}/q</c>: the participant's current question. The server holds the position: a GET
/// shows the current item; a POST for any other position records nothing and redirects here.
/// </summary>
public sealed class QuestionModel(ParticipationService service) : ParticipantPageModel(service)
{
    [BindProperty]
    public int Position { get; set; }

    [BindProperty]
    public string? Choice { get; set; }

    public QuestionForm? Form { get; private set; }
    public bool Abandoned { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, requireParticipant: true) is { } early)
        {
            return early;
        }
        var participant = Participant!;
        if (participant.Status == ParticipantStatus.Completed || participant.CurrentPosition >= participant.PlanLength)
        {
            return RedirectToPage("/S/Done", new { slug });
        }
        if (participant.Status == ParticipantStatus.Abandoned)
        {
            Abandoned = true;
            return Page();
        }
        var item = CurrentItem
            ?? throw new InvalidOperationException($"Participant {participant.Id} has no plan item at position {participant.CurrentPosition}.");
        var shown = await Service.MarkShownAsync(participant, item, cancellationToken);
        Form = new QuestionForm(await Service.BuildViewAsync(Study!, item with { ShownUtc = shown }, participant.PlanLength, cancellationToken), null);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, requireParticipant: true) is { } early)
        {
            return early;
        }
        var participant = Participant!;
        if (participant.Status != ParticipantStatus.Active || Position != participant.CurrentPosition)
        {
            // Stale, repeated or back-button POST: the position it answers is not the current one.
            return RedirectToCurrent(participant, slug);
        }
        // Position equals the current position here, so the current item is the one answered.
        var item = CurrentItem
            ?? throw new InvalidOperationException($"Participant {participant.Id} has no plan item at position {Position}.");
        var answer = Questions.Evaluate(item, Choice);
        if (answer is null)
        {
            Form = new QuestionForm(await Service.BuildViewAsync(Study!, item, participant.PlanLength, cancellationToken),
                "Please choose one of the options before going on.");
            return Page();
        }
        await Service.RecordAnswerAsync(participant, item, answer, cancellationToken);
        return Position + 1 >= participant.PlanLength
            ? RedirectToPage("/S/Done", new { slug })
            : RedirectToPage("/S/Question", new { slug });
    }

    public async Task<IActionResult> OnPostResumeAsync(string slug, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, requireParticipant: true) is { } early)
        {
            return early;
        }
        await Service.ResumeAsync(Participant!, cancellationToken);
        return RedirectToPage("/S/Question", new { slug });
    }
}
