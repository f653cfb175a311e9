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

    /// <summary>The quality flags raised (<see cref="QualityFlags"/>, in that order); shown and exported whether or not they exclude.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>What the flags were raised on (participants.csv).</summary>
    public QualityEvidence Evidence { get; init; } = new(0, 0, 0, 0, 0);

    /// <summary>Comprehension-gate attempts made.</summary>
    public int GateAttempts { get; init; }

    public bool HasFlag(string flag) => Flags.Contains(flag, StringComparer.Ordinal);
}

/// <summary>
/// The counts behind a participant's quality flags: answers faster than the threshold, the longest
/// run of answers in the same screen position, answers given while the page was hidden or blurred,
/// answers with pasted or scripted input, and other participants of the study on the same device.
/// </summary>
public sealed record QualityEvidence(int FastAnswers, int LongestIdenticalRun, int HiddenAnswers, int ScriptedAnswers, int SameDevice);

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
    public required IReadOnlyList<GateAttempt> GateAttempts { get; init; }

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
        var gateAttempts = await db.GateAttempts.AsNoTracking()
            .Where(a => db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == study.Id))
            .OrderBy(a => a.ParticipantId).ThenBy(a => a.Attempt).ThenBy(a => a.Question)
            .ToListAsync(cancellationToken);
        var classNames = await db.ClassNamesAsync(study.Id, cancellationToken);
        var definition = StudyDefinition.Parse(study.DefinitionJson);
        var rules = definition.Rules;

        var byParticipant = answers.ToLookup(a => a.ParticipantId);
        var attemptsBy = gateAttempts.GroupBy(a => a.ParticipantId).ToDictionary(g => g.Key, g => g.Max(a => a.Attempt));
        var devices = participants.Where(p => p.DeviceHash is not null).GroupBy(p => p.DeviceHash!).ToDictionary(g => g.Key, g => g.Count());
        var summaries = participants.Select(p =>
        {
            var own = byParticipant[p.Id].ToList();
            var evidence = QualityFlagRules.Evidence(own, planItems, stimuli, definition.Quality, p.DeviceHash is { } d ? devices[d] - 1 : 0);
            var flags = QualityFlagRules.Flags(evidence, definition.Quality);
            return Summarise(study.Id, p, own, planItems, rules, flags) with
            {
                Flags = flags,
                Evidence = evidence,
                GateAttempts = attemptsBy.GetValueOrDefault(p.Id),
            };
        }).ToList();
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
            GateAttempts = gateAttempts,
        };
    }

    /// <summary>True when the answer belongs to an attention check, false for a real question.</summary>
    public bool IsAttention(Answer answer) =>
        PlanItems.TryGetValue(answer.PlanItemId, out var item) && item.Kind == PlanItemKind.Attention;

    /// <summary>Whether an attention-check answer passed; the recorded verdict wins, else the expected answer is compared.</summary>
    public static bool PassedAttention(Answer answer, PlanItem item) =>
        answer.IsCorrect ?? string.Equals(answer.Choice.Trim(), item.AttentionAnswer?.Trim(), StringComparison.OrdinalIgnoreCase);

    private static ParticipantSummary Summarise(long studyId, Participant participant, IEnumerable<Answer> answers, IReadOnlyDictionary<long, PlanItem> planItems,
        ExclusionDefinition rules, IReadOnlyList<string> flags)
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
        else if (rules.Flags?.FirstOrDefault(flags.Contains) is { } flag)
        {
            // A quality flag the researcher chose to exclude by (study.json exclusions.flags).
            reason = flag;
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
