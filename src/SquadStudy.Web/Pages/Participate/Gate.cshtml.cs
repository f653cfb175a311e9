using Microsoft.AspNetCore.Mvc;
using SquadStudy.Data.Entities;
using SquadStudy.Data.Participants;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.Participate;

/// <summary>
/// <c>/s/{slug}/gate</c>: the comprehension gate (study.json <c>comprehension</c>) between the
/// instructions and the first question. Every question must be answered correctly, in at most
/// <c>max_attempts</c> tries; each try is stored (gate_attempts). The answers are checked on the
/// server: the page carries prompts and options only, and after a wrong try only which question was
/// wrong and its feedback. The last wrong try ends the participation as screened out.
/// </summary>
public sealed class GateModel(ParticipationService service) : ParticipantPageModel(service)
{
    /// <summary>One answer per gate question, in order (radio groups <c>Choices[i]</c>).</summary>
    [BindProperty]
    public List<string?> Choices { get; set; } = [];

    /// <summary>The attempt this form is (1-based): a repeated or stale POST of an earlier one stores nothing.</summary>
    [BindProperty]
    public int Attempt { get; set; }

    public IReadOnlyList<GateQuestionDefinition> Questions { get; private set; } = [];
    public int MaxAttempts { get; private set; }

    /// <summary>The questions answered wrongly in the previous attempt, with their feedback.</summary>
    public IReadOnlyList<(int Question, string? Feedback)> Wrong { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (await PrepareAsync(slug) is { } early)
        {
            return early;
        }
        await ShowAttemptsAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken cancellationToken)
    {
        if (await PrepareAsync(slug) is { } early)
        {
            return early;
        }
        var choices = Questions.Select((question, i) => i < Choices.Count && Choices[i] is { } c && question.Options.Contains(c, StringComparer.Ordinal) ? c : null).ToList();
        if (choices.Any(c => c is null))
        {
            ModelState.AddModelError(nameof(Choices), Text["Please answer every question before going on."]);
            var attempt = Attempt;
            await ShowAttemptsAsync(cancellationToken);
            // Still the attempt the form was for: a mistake in filling it in costs no try.
            Attempt = attempt;
            return Page();
        }
        var outcome = await Service.AnswerGateAsync(Study!, Participant!, Attempt, choices!, cancellationToken);
        return outcome switch
        {
            GateOutcome.Passed => Redirect(ParticipantUrls.Question(Request, slug)),
            GateOutcome.ScreenedOut => Redirect(ParticipantUrls.Ended(Request, slug)),
            // A wrong try (feedback on the next view) or a repeated POST: the gate again, as it now stands.
            _ => RedirectToPage("/Participate/Gate", new { slug }),
        };
    }

    private async Task<IActionResult?> PrepareAsync(string slug)
    {
        if (await LoadAsync(slug, requireParticipant: true) is { } early)
        {
            return early;
        }
        if (!Study!.NeedsGate(Participant!))
        {
            // No gate, passed already, or no longer active: where the participant stands.
            return RedirectToCurrent(Participant!, slug);
        }
        Questions = Study.Gate!.Questions;
        MaxAttempts = Study.Gate.MaxAttempts;
        return null;
    }

    private async Task ShowAttemptsAsync(CancellationToken cancellationToken)
    {
        var attempts = await Service.GateAttemptsAsync(Participant!.Id, cancellationToken);
        var last = attempts.Count == 0 ? 0 : attempts.Max(a => a.Attempt);
        Attempt = last + 1;
        Wrong = attempts.Where(a => a.Attempt == last && !a.IsCorrect && a.Question < Questions.Count)
            .Select(a => (a.Question, Questions[a.Question].Feedback)).ToList();
    }
}
