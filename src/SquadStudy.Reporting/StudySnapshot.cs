using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Reporting;

/// <summary>What the exports and the dashboard report about one participant.</summary>
public sealed record ParticipantSummary(
    Participant Participant,
    string AnonymousId,
    int QuestionsAnswered,
    int AttentionChecks,
    int AttentionFailures,
    double? MedianResponseMs,
    string? ExclusionReason)
{
    public bool Excluded => ExclusionReason is not null;
}

/// <summary>
/// Everything about one study that the researcher pages read, loaded in a handful of queries.
/// A study has at most a few thousand answers, so holding them in memory is cheap.
/// </summary>
public sealed class StudySnapshot
{
    public required Study Study { get; init; }
    public required IReadOnlyDictionary<long, StudyModel> Models { get; init; }
    public required IReadOnlyDictionary<long, StudyImage> Images { get; init; }
    public required IReadOnlyDictionary<long, Stimulus> Stimuli { get; init; }
    public required IReadOnlyList<ParticipantSummary> Participants { get; init; }
    public required IReadOnlyDictionary<long, PlanItem> PlanItems { get; init; }
    public required IReadOnlyList<Answer> Answers { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required ExclusionDefinition Rules { get; init; }

    public string ClassName(int index) => StudyClassNames.Name(ClassNames, index);

    /// <summary>
    /// A participant's identifier in exports: a hash of the study and the participant's row number,
    /// stable across exports and withdrawals of others, and unrelated to the participant's secret token.
    /// </summary>
    public static string AnonymousId(long studyId, long participantId)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"squadstudy/participant/{studyId}/{participantId}"));
        return "p" + Convert.ToHexStringLower(bytes)[..12];
    }

    /// <summary>Loads the study's rows in one <see cref="ReadSnapshot"/>, so they agree with each other.</summary>
    public static async Task<StudySnapshot?> LoadAsync(SquadStudyDbContext db, string slug, CancellationToken cancellationToken = default)
    {
        await using var snapshot = await ReadSnapshot.BeginAsync(db, cancellationToken);
        return await LoadInSnapshotAsync(db, slug, cancellationToken);
    }

    /// <summary>
    /// Loads the study inside a transaction the caller holds (<see cref="ReadSnapshot"/>), for
    /// readers that query more rows in the same snapshot.
    /// </summary>
    public static async Task<StudySnapshot?> LoadInSnapshotAsync(SquadStudyDbContext db, string slug, CancellationToken cancellationToken = default)
    {
        var study = await db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Slug == slug, cancellationToken);
        if (study is null)
        {
            return null;
        }
        var models = await db.StudyModels.AsNoTracking().Where(m => m.StudyId == study.Id).ToDictionaryAsync(m => m.Id, cancellationToken);
        var images = await db.StudyImages.AsNoTracking().Where(i => i.StudyId == study.Id).ToDictionaryAsync(i => i.Id, cancellationToken);
        var stimuli = await db.Stimuli.AsNoTracking().Where(s => s.StudyId == study.Id).ToDictionaryAsync(s => s.Id, cancellationToken);
        var participants = await db.Participants.AsNoTracking().Where(p => p.StudyId == study.Id).OrderBy(p => p.Id).ToListAsync(cancellationToken);
        var planItems = await db.PlanItems.AsNoTracking()
            .Where(i => db.Participants.Any(p => p.Id == i.ParticipantId && p.StudyId == study.Id))
            .ToDictionaryAsync(i => i.Id, cancellationToken);
        var answers = await db.Answers.AsNoTracking()
            .Where(a => db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == study.Id))
            .OrderBy(a => a.ParticipantId).ThenBy(a => a.Position)
            .ToListAsync(cancellationToken);
        var classNames = await db.ClassNamesAsync(study.Id, cancellationToken);
        var rules = StudyDefinition.Parse(study.DefinitionJson).Rules;

        var byParticipant = answers.ToLookup(a => a.ParticipantId);
        var summaries = participants.Select(p => Summarise(study.Id, p, byParticipant[p.Id], planItems, rules)).ToList();
        return new StudySnapshot
        {
            Study = study,
            Models = models,
            Images = images,
            Stimuli = stimuli,
            Participants = summaries,
            PlanItems = planItems,
            Answers = answers,
            ClassNames = classNames,
            Rules = rules,
        };
    }

    /// <summary>True when the answer belongs to an attention check, false for a real question.</summary>
    public bool IsAttention(Answer answer) =>
        PlanItems.TryGetValue(answer.PlanItemId, out var item) && item.Kind == PlanItemKind.Attention;

    /// <summary>Whether an attention-check answer passed; the recorded verdict wins, else the expected answer is compared.</summary>
    public static bool PassedAttention(Answer answer, PlanItem item) =>
        answer.IsCorrect ?? string.Equals(answer.Choice.Trim(), item.AttentionAnswer?.Trim(), StringComparison.OrdinalIgnoreCase);

    private static ParticipantSummary Summarise(long studyId, Participant participant, IEnumerable<Answer> answers, IReadOnlyDictionary<long, PlanItem> planItems, ExclusionDefinition rules)
    {
        int questions = 0, checks = 0, failures = 0;
        var times = new List<int>();
        foreach (var answer in answers)
        {
            times.Add(answer.ResponseMs);
            if (planItems.TryGetValue(answer.PlanItemId, out var item) && item.Kind == PlanItemKind.Attention)
            {
                checks++;
                if (!PassedAttention(answer, item))
                {
                    failures++;
                }
            }
            else
            {
                questions++;
            }
        }
        var median = Median(times);
        string? reason = null;
        if (rules.FailAttention && failures > 0)
        {
            reason = "failed_attention";
        }
        else if (rules.MinMedianResponseMs is { } min && median is { } m && m < min)
        {
            reason = "too_fast";
        }
        return new ParticipantSummary(participant, AnonymousId(studyId, participant.Id), questions, checks, failures, median, reason);
    }

    internal static double? Median(List<int> values)
    {
        if (values.Count == 0)
        {
            return null;
        }
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2.0;
    }
}
