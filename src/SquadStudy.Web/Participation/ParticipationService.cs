using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Localization;
using Npgsql;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Data.Participants;

namespace SquadStudy.Web.Participation;

/// <summary>The study as the participant pages see it.</summary>
public sealed record StudyInfo(
    long Id, string Slug, string Title, string Status, string ConsentMarkdown, string? InstructionsMarkdown,
    string DefinitionJson, string CompletionCode, string? Redirect, int AbandonAfterMinutes)
{
    private StudyDefinition? definition;

    /// <summary>The parsed definition, parsed once per cached study row.</summary>
    public StudyDefinition Definition => definition ??= StudyDefinition.Parse(DefinitionJson);

    /// <summary>The comprehension gate, if the study has one.</summary>
    public ComprehensionDefinition? Gate => Definition.Comprehension is { Questions.Count: > 0 } gate ? gate : null;

    /// <summary>Whether the participant must still pass the gate before any question (and may still take it).</summary>
    public bool NeedsGate(ParticipantState participant) =>
        Gate is not null && !participant.GatePassed && participant.Status == ParticipantStatus.Active;
}

/// <summary>
/// A study's consent and instructions in the language a participant reads, each with the language
/// it is actually in: the pack's own text where it has none in that language (html <c>lang</c>).
/// </summary>
public sealed record StudyTexts(string ConsentMarkdown, string ConsentLanguage, string? InstructionsMarkdown, string InstructionsLanguage);

/// <summary>
/// Enrolment, balanced assignment, answers, abandonment and withdrawal. Every write goes through
/// <see cref="IParticipantStore"/>, each in one transaction; the participant's position only
/// advances in the transaction that stores the answer for it, guarded by the position the answer was for.
/// </summary>
public sealed class ParticipationService(SquadStudyDbContext db, IParticipantStore store, StudyContent content, IMemoryCache cache, TimeProvider time,
    IStringLocalizer<ParticipantText> text, ILogger<ParticipationService> logger)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// How long a study's row is reused between requests. Every question page needs it; a status
    /// change (opening, closing) reaches the participant pages within this time.
    /// </summary>
    public static readonly TimeSpan StudyCacheTime = TimeSpan.FromSeconds(2);

    public async Task<StudyInfo?> FindStudyAsync(string slug)
    {
        if (cache.TryGetValue(("participation-study", slug), out StudyInfo? cached))
        {
            return cached;
        }
        var study = await db.Studies.AsNoTracking()
            .Where(s => s.Slug == slug)
            .Select(s => new StudyInfo(s.Id, s.Slug, s.Title, s.Status, s.ConsentMarkdown, s.InstructionsMarkdown,
                s.DefinitionJson, s.CompletionCode, s.Redirect, s.AbandonAfterMinutes))
            .FirstOrDefaultAsync();
        if (study is not null)
        {
            cache.Set(("participation-study", slug), study, StudyCacheTime);
        }
        return study;
    }

    /// <summary>The study's consent and instructions in <paramref name="language"/>, falling back file by file to the study's own.</summary>
    public async Task<StudyTexts> TextsAsync(StudyInfo study, string language, CancellationToken cancellationToken)
    {
        var own = StudyDefinition.Parse(study.DefinitionJson).Language;
        var translated = language == own ? null : await cache.GetOrCreateAsync(("participation-study-text", study.Id, language), entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = StudyCacheTime;
            return db.StudyTexts.AsNoTracking().FirstOrDefaultAsync(t => t.StudyId == study.Id && t.Language == language, cancellationToken);
        });
        return new StudyTexts(
            translated?.ConsentMarkdown ?? study.ConsentMarkdown, translated?.ConsentMarkdown is null ? own : language,
            translated?.InstructionsMarkdown ?? study.InstructionsMarkdown, translated?.InstructionsMarkdown is null ? own : language);
    }

    /// <summary>The participant holding the token, with the plan item at their current position (null when the plan is done).</summary>
    public async Task<(ParticipantState Participant, PlanItemView? Current)?> FindParticipantAsync(long studyId, string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 64)
        {
            return null;
        }
        return await store.FindParticipantAsync(studyId, token, cancellationToken);
    }

    /// <summary>The participant a Prolific or MTurk id already enrolled in this study, if any.</summary>
    public Task<ParticipantState?> FindByRecruiterAsync(long studyId, RecruiterParameters recruiter, CancellationToken cancellationToken) =>
        store.FindByRecruiterAsync(studyId, recruiter, cancellationToken);

    /// <summary>Logs a try to resume a recruiter id's session on a device without its cookie, for the researcher (resume_attempts.csv).</summary>
    public Task RecordResumeAttemptAsync(long studyId, long participantId, string outcome, CancellationToken cancellationToken) =>
        store.RecordResumeAttemptAsync(studyId, participantId, outcome, Now, cancellationToken);

    /// <summary>Counts a decline; nothing else about the person is stored.</summary>
    public Task DeclineAsync(long studyId, CancellationToken cancellationToken) => store.DeclineAsync(studyId, cancellationToken);

    /// <summary>
    /// Enrols a consenting participant: draws the whole plan and reserves its stimuli in one
    /// transaction, so concurrent enrolments see each other's counts. A Prolific or MTurk id that
    /// already enrolled gets its existing participant back (no new plan).
    /// </summary>
    public Task<ParticipantState> EnrolAsync(StudyInfo study, RecruiterParameters recruiter, string? deviceHash, CancellationToken cancellationToken)
    {
        var now = Now;
        return store.EnrolAsync(PlanDrawer.Enrolment(study.Id, study.Definition, recruiter, now,
            now - TimeSpan.FromMinutes(study.AbandonAfterMinutes)) with
        {
            StartedBeforeUtc = StartedBefore(study.Definition, now),
            DeviceHash = deviceHash,
        }, cancellationToken);
    }

    /// <summary>The consent time before which a participant is past the study's time limit; null without a limit.</summary>
    private static DateTime? StartedBefore(StudyDefinition definition, DateTime now) =>
        definition.TimeLimitMinutes is int minutes ? now - TimeSpan.FromMinutes(minutes) : null;

    /// <summary>
    /// "Return this study": the participant stops, keeps their answers (unlike withdrawal) and frees
    /// their unanswered slots. False when they had already finished or ended: a double click or a
    /// replayed POST changes nothing.
    /// </summary>
    public Task<bool> ReturnAsync(ParticipantState participant, CancellationToken cancellationToken) =>
        store.EndAsync(participant.Id, ParticipantStatus.Returned, Now, cancellationToken);

    /// <summary>The comprehension-gate attempts the participant has made, in order, with their answers.</summary>
    public async Task<IReadOnlyList<GateAttempt>> GateAttemptsAsync(long participantId, CancellationToken cancellationToken) =>
        await db.GateAttempts.AsNoTracking().Where(a => a.ParticipantId == participantId)
            .OrderBy(a => a.Attempt).ThenBy(a => a.Question).ToListAsync(cancellationToken);

    /// <summary>
    /// Checks one attempt at the gate on the server (the correct answers never leave it) and stores it
    /// with its verdict. <paramref name="choices"/> holds one answer per gate question, in order.
    /// </summary>
    public Task<GateOutcome> AnswerGateAsync(StudyInfo study, ParticipantState participant, int attempt, IReadOnlyList<string> choices, CancellationToken cancellationToken)
    {
        var gate = study.Gate ?? throw new InvalidOperationException($"Study {study.Slug} has no comprehension gate.");
        var answers = gate.Questions.Select((question, i) => new GateAnswer(i, choices[i], string.Equals(choices[i], question.Answer, StringComparison.Ordinal))).ToList();
        return store.RecordGateAttemptAsync(new GateAttemptWrite(participant.Id, attempt, gate.MaxAttempts, answers, Now), cancellationToken);
    }

    /// <summary>
    /// Stores the answer for the participant's current position and advances it, in one transaction.
    /// The position advances only if it still equals the item's (so a repeated or concurrent POST
    /// stores nothing); the unique indexes on answers are the last line of defence.
    /// </summary>
    public async Task<RecordOutcome> RecordAnswerAsync(ParticipantState participant, PlanItemView item, EvaluatedAnswer answer, DateTime shown, InputSignals signals, CancellationToken cancellationToken)
    {
        var now = Now;
        // A little ahead when another instance's clock runs ahead (ShownStamps.MaxClockSkew): never before it was shown.
        shown = shown > now ? now : shown;
        var write = new AnswerWrite(participant.Id, item.Id, item.Position, item.Position + 1 >= participant.PlanLength, item.Stimulus?.Id,
            answer.Choice, answer.IsCorrect, answer.Score, (int)Math.Clamp((now - shown).TotalMilliseconds, 0, int.MaxValue), shown, now)
        {
            Signals = signals,
            Confidence = answer.Confidence,
        };
        try
        {
            return await store.RecordAnswerAsync(write, cancellationToken);
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            logger.LogInformation("Answer for participant {Participant} position {Position} already stored.", participant.Id, item.Position);
            return RecordOutcome.NotCurrent;
        }
    }

    /// <summary>The experiment types of a participant's plan, in plan order.</summary>
    public async Task<IReadOnlyList<string>> ExperimentsInPlanAsync(long participantId, CancellationToken cancellationToken)
    {
        var rows = await db.PlanItems.AsNoTracking().Where(i => i.ParticipantId == participantId)
            .OrderBy(i => i.Position)
            .Select(i => i.Stimulus == null ? PlanItemKind.Attention : i.Stimulus.Experiment)
            .ToListAsync(cancellationToken);
        return rows.Distinct().ToList();
    }

    /// <summary>
    /// An abandoned participant who comes back and chooses to go on: their unanswered questions are
    /// reserved again (AssignedCount +1), so the balance counts live plans once more.
    /// </summary>
    public Task<bool> ResumeAsync(ParticipantState participant, CancellationToken cancellationToken) =>
        store.ResumeAsync(participant.StudyId, participant.Id, Now, cancellationToken);

    /// <summary>
    /// Marks participants of all studies idle past their study's timeout as abandoned, and those past
    /// its time limit (<c>time_limit_minutes</c>) as timed out; returns how many.
    /// </summary>
    public async Task<int> ReleaseAbandonedAsync(CancellationToken cancellationToken)
    {
        var studies = await db.Studies.AsNoTracking()
            .Where(s => db.Participants.Any(p => p.StudyId == s.Id && (p.Status == ParticipantStatus.Active || p.Status == ParticipantStatus.Abandoned)))
            .Select(s => new { s.Id, s.AbandonAfterMinutes, s.DefinitionJson })
            .ToListAsync(cancellationToken);
        var released = 0;
        foreach (var study in studies)
        {
            var now = Now;
            var count = await store.ReleaseAbandonedAsync(study.Id, now - TimeSpan.FromMinutes(study.AbandonAfterMinutes),
                StartedBefore(StudyDefinition.Parse(study.DefinitionJson), now), now, cancellationToken);
            if (count > 0)
            {
                logger.LogInformation("Released {Count} abandoned plans of study {Study}.", count, study.Id);
            }
            released += count;
        }
        return released;
    }

    /// <summary>The participant holding a withdrawal code, with their study's title; null if none.</summary>
    public async Task<(long ParticipantId, string StudyTitle, int Answers)?> FindByWithdrawalCodeAsync(string code, CancellationToken cancellationToken)
    {
        var row = await db.Participants.AsNoTracking().Where(p => p.WithdrawalCode == code)
            .Join(db.Studies, p => p.StudyId, s => s.Id, (p, s) => new { p.Id, s.Title, Answers = p.Answers.Count })
            .FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : (row.Id, row.Title, row.Answers);
    }

    /// <summary>
    /// Deletes a participant and, by cascade, their plan and answers; gives back the balance counts
    /// their plan held and counts the withdrawal. Returns false if they were already gone.
    /// </summary>
    public Task<bool> WithdrawAsync(long participantId, CancellationToken cancellationToken) => store.WithdrawAsync(participantId, cancellationToken);

    /// <summary>Draws a plan without storing anything (the researchers' preview).</summary>
    public async Task<IReadOnlyList<DrawnItem>> DrawPreviewAsync(StudyInfo study, CancellationToken cancellationToken)
    {
        var slots = await db.Stimuli.AsNoTracking().Where(s => s.StudyId == study.Id)
            .Select(s => new StimulusSlot(s.Id, s.Experiment, s.ImageId, s.AssignedCount))
            .ToListAsync(cancellationToken);
        return PlanDrawer.Draw(study.Definition, slots, Random.Shared);
    }

    public Task<StimulusView?> StimulusAsync(long studyId, long stimulusId, CancellationToken cancellationToken) =>
        db.Stimuli.AsNoTracking().Where(s => s.Id == stimulusId && s.StudyId == studyId)
            .Select(s => new StimulusView(s.Id, s.Experiment, s.ImageId, s.TargetClass, s.DistractorClass, s.ModelAId, s.ModelBId, s.MethodA, s.MethodB))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>What the participant sees at a plan item: prompt, explanation images, options in plan order.</summary>
    public async Task<QuestionView> BuildViewAsync(StudyInfo study, PlanItemView item, int planLength, CancellationToken cancellationToken)
    {
        // The platform's own texts are translated; the pack's (class names, an attention check's
        // prompt and options) are shown as written. Posted values never change with the language.
        IReadOnlyList<QuestionOption> options = Questions.Options(item, item.Kind == PlanItemKind.Attention ? [] : await content.ClassNamesAsync(db, study.Id, cancellationToken));
        if (Questions.HasPlatformLabels(item))
        {
            options = options.Select(o => o with { Label = text[o.Label] }).ToArray();
        }
        IReadOnlyList<QuestionImage> images = [];
        if (item.Stimulus is { } stimulus)
        {
            var urls = await content.ExplanationUrlsAsync(db, stimulus, item.Swapped, cancellationToken);
            images = Questions.Captions(stimulus.Experiment).Zip(urls, (caption, url) => new QuestionImage(text[caption], url)).ToArray();
        }
        var prompt = item.Kind == PlanItemKind.Attention ? Questions.Prompt(item) : text[Questions.Prompt(item)];
        ConfidenceScale? confidence = null;
        if (Questions.ConfidenceOf(study.Definition, item) is { } scale)
        {
            var (levels, platform) = Questions.ConfidenceLevels(scale);
            confidence = new ConfidenceScale(text[Questions.ConfidencePrompt],
                platform ? levels.Select(l => l with { Label = text[l.Label] }).ToArray() : levels);
        }
        return new QuestionView(item.Position, planLength, item.Kind, prompt, images, options) { Confidence = confidence };
    }

    private static bool IsUniqueViolation(DbException e) => e switch
    {
        SqliteException s => s.SqliteErrorCode == 19 && s.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
