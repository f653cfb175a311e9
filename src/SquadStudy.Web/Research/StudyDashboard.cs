using SquadStudy.Studies;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Reporting;

namespace SquadStudy.Web.Research;

/// <summary>
/// Enrolment counts of a study. Withdrawn and declined people leave only a count behind; returned,
/// timed-out and screened-out participants keep their rows (and answers) and are counted by status.
/// </summary>
public sealed record StudyProgress(
    string Status, int Started, int Active, int Completed, int Abandoned, int Withdrawn, int Declined, int Excluded, int Answers)
{
    public int Returned { get; init; }
    public int TimedOut { get; init; }
    public int ScreenedOut { get; init; }
    /// <summary>Participants per quality flag (<see cref="QualityFlags.All"/>, every flag listed), whether or not it excludes.</summary>
    public IReadOnlyDictionary<string, int> Flagged { get; init; } = new Dictionary<string, int>();
}

/// <summary>A precompute item that gave up: which unit, after how many attempts, and why.</summary>
public sealed record FailedPrecomputeItem(string Phase, string Image, string Model, int Attempts, string? Error);

/// <summary>Progress of the study's precomputation of explanations (items of every worker), with the items that failed.</summary>
public sealed record PrecomputeJobStatus(string Status, int Total, int Completed, DateTime UpdatedUtc, string? Error, int FailedCount, IReadOnlyList<FailedPrecomputeItem> Failed)
{
    /// <summary>How many failed items the dashboard lists; the count says how many there are in all.</summary>
    public const int Listed = 20;

    public int Percent => Total == 0 ? (Status == PrecomputeStatus.Done ? 100 : 0) : (int)Math.Round(100.0 * Completed / Total);
}

/// <summary>One bar of a balance histogram: how many stimuli have <see cref="Answers"/> answers.</summary>
public sealed record HistogramBin(int Answers, int Stimuli);

/// <summary>How evenly answers and live assignments are spread over the stimuli of one experiment.</summary>
public sealed record ExperimentBalance(
    string Experiment, int Stimuli,
    int MinAnswered, int MaxAnswered, double MeanAnswered,
    int MinAssigned, int MaxAssigned, double MeanAssigned,
    IReadOnlyList<HistogramBin> Histogram);

/// <summary>The live part of the dashboard, also served as JSON for its auto-refresh.</summary>
public sealed record DashboardStatus(StudyProgress Progress, PrecomputeJobStatus? Precompute, IReadOnlyList<ExperimentBalance> Balance);

/// <summary>What a participant choosing <paramref name="Language"/> reads: the pack's own consent and instructions where it has none in that language.</summary>
public sealed record StudyLanguage(string Language, bool OwnLanguage, bool ConsentTranslated, bool InstructionsTranslated, bool HasInstructions);

/// <summary>The dashboard's queries.</summary>
public sealed class StudyDashboard(SquadStudyDbContext db)
{
    /// <summary>Every language of the participant pages, and which of the study's texts a participant choosing it reads in it.</summary>
    public async Task<IReadOnlyList<StudyLanguage>> LanguagesAsync(Study study, CancellationToken cancellationToken = default)
    {
        var own = StudyDefinition.Parse(study.DefinitionJson).Language;
        var texts = await db.StudyTexts.AsNoTracking().Where(t => t.StudyId == study.Id).ToDictionaryAsync(t => t.Language, cancellationToken);
        var hasInstructions = !string.IsNullOrWhiteSpace(study.InstructionsMarkdown);
        return StudyLanguages.Supported.Select(language => language == own
                ? new StudyLanguage(language, true, true, true, hasInstructions)
                : new StudyLanguage(language, false, texts.GetValueOrDefault(language)?.ConsentMarkdown is not null,
                    texts.GetValueOrDefault(language)?.InstructionsMarkdown is not null, hasInstructions))
            .ToList();
    }

    public Task<StudySnapshot?> SnapshotAsync(string slug, CancellationToken cancellationToken = default) =>
        StudySnapshot.LoadAsync(db, slug, cancellationToken);

    public async Task<DashboardStatus?> StatusAsync(string slug, CancellationToken cancellationToken = default)
    {
        var snapshot = await SnapshotAsync(slug, cancellationToken);
        return snapshot is null ? null : await StatusAsync(snapshot, cancellationToken);
    }

    public async Task<DashboardStatus> StatusAsync(StudySnapshot snapshot, CancellationToken cancellationToken = default)
    {
        var job = await db.PrecomputeJobs.AsNoTracking().SingleOrDefaultAsync(j => j.StudyId == snapshot.Study.Id, cancellationToken);
        return new DashboardStatus(
            Progress(snapshot),
            job is null ? null : await PrecomputeAsync(job, cancellationToken),
            Balance(snapshot.Stimuli.Values));
    }

    private async Task<PrecomputeJobStatus> PrecomputeAsync(PrecomputeJob job, CancellationToken cancellationToken)
    {
        var failed = db.PrecomputeItems.AsNoTracking().Where(i => i.JobId == job.Id && i.Status == PrecomputeStatus.Failed);
        var listed = await (from item in failed
                            join image in db.StudyImages on item.ImageId equals image.Id
                            join model in db.StudyModels on item.ModelId equals model.Id
                            orderby item.Id
                            select new FailedPrecomputeItem(item.Phase, image.Stem, model.Key, item.Attempts, item.Error))
            .Take(PrecomputeJobStatus.Listed).ToListAsync(cancellationToken);
        return new PrecomputeJobStatus(job.Status, job.Total, job.Completed, job.UpdatedUtc, job.Error, await failed.CountAsync(cancellationToken), listed);
    }

    public static StudyProgress Progress(StudySnapshot snapshot)
    {
        var participants = snapshot.Participants;
        return new StudyProgress(
            snapshot.Study.Status,
            Started: participants.Count,
            Active: participants.Count(p => p.Participant.Status == ParticipantStatus.Active),
            Completed: participants.Count(p => p.Participant.Status == ParticipantStatus.Completed),
            Abandoned: participants.Count(p => p.Participant.Status == ParticipantStatus.Abandoned),
            Withdrawn: snapshot.Study.WithdrawalCount,
            Declined: snapshot.Study.DeclineCount,
            Excluded: participants.Count(p => p.Excluded),
            Answers: snapshot.Answers.Count)
        {
            Returned = participants.Count(p => p.Participant.Status == ParticipantStatus.Returned),
            TimedOut = participants.Count(p => p.Participant.Status == ParticipantStatus.TimedOut),
            ScreenedOut = participants.Count(p => p.Participant.Status == ParticipantStatus.ScreenedOut),
            Flagged = QualityFlags.All.ToDictionary(flag => flag, flag => participants.Count(p => p.HasFlag(flag)), StringComparer.Ordinal),
        };
    }

    public static IReadOnlyList<ExperimentBalance> Balance(IEnumerable<Stimulus> stimuli) =>
        stimuli.GroupBy(s => s.Experiment)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var answered = g.Select(s => s.AnsweredCount).ToList();
                var assigned = g.Select(s => s.AssignedCount).ToList();
                var histogram = answered.GroupBy(a => a).OrderBy(b => b.Key).Select(b => new HistogramBin(b.Key, b.Count())).ToList();
                return new ExperimentBalance(g.Key, answered.Count,
                    answered.Min(), answered.Max(), answered.Average(),
                    assigned.Min(), assigned.Max(), assigned.Average(),
                    histogram);
            })
            .ToList();
}
