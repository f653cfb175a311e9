namespace SquadStudy.Analysis;

/// <summary>
/// Participant exclusion rules, applied before any statistic and always reported:
/// (1) more failed attention checks than <see cref="AnalysisOptions.MaxFailedAttentionChecks"/>;
/// (2) median response time below <see cref="AnalysisOptions.MinMedianResponseMs"/> (skipped when either is null);
/// (3) a quality flag named in <see cref="AnalysisOptions.ExcludeFlags"/>, counted per flag.
/// Participants who answered but have no <see cref="ParticipantInfo"/> are kept and counted as unknown.
/// </summary>
public static class Exclusions
{
    public static (StudyData Kept, ExclusionReport Report) Apply(StudyData data, AnalysisOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);

        var info = data.Participants.ToDictionary(p => p.ParticipantId, StringComparer.Ordinal);
        var answering = new HashSet<string>(StringComparer.Ordinal);
        answering.UnionWith(data.Discrimination.Select(a => a.ParticipantId));
        answering.UnionWith(data.Trust.Select(a => a.ParticipantId));
        answering.UnionWith(data.Comparisons.Select(a => a.ParticipantId));
        answering.UnionWith(data.Simulation.Select(a => a.ParticipantId));
        var everyone = new HashSet<string>(info.Keys, StringComparer.Ordinal);
        everyone.UnionWith(answering);

        bool FailsAttention(ParticipantInfo p) => p.FailedAttentionChecks > options.MaxFailedAttentionChecks;
        bool TooFast(ParticipantInfo p) =>
            options.MinMedianResponseMs is { } min && p.MedianResponseMs is { } median && median < min;

        bool Flagged(ParticipantInfo p, string flag) => p.Flags.Contains(flag, StringComparer.Ordinal);
        bool ExcludingFlag(ParticipantInfo p) => options.ExcludeFlags.Any(flag => Flagged(p, flag));

        var excluded = new HashSet<string>(
            data.Participants.Where(p => FailsAttention(p) || TooFast(p) || ExcludingFlag(p)).Select(p => p.ParticipantId),
            StringComparer.Ordinal);
        int answersBefore = data.Discrimination.Count + data.Trust.Count + data.Comparisons.Count + data.Simulation.Count;

        var kept = options.ApplyExclusions
            ? new StudyData(
                data.Participants.Where(p => !excluded.Contains(p.ParticipantId)).ToList(),
                data.Discrimination.Where(a => !excluded.Contains(a.ParticipantId)).ToList(),
                data.Trust.Where(a => !excluded.Contains(a.ParticipantId)).ToList(),
                data.Comparisons.Where(a => !excluded.Contains(a.ParticipantId)).ToList())
            {
                Simulation = data.Simulation.Where(a => !excluded.Contains(a.ParticipantId)).ToList(),
                ConfidenceLevels = data.ConfidenceLevels,
            }
            : data;

        var report = new ExclusionReport(
            Applied: options.ApplyExclusions,
            ParticipantsBefore: everyone.Count,
            ParticipantsAfter: options.ApplyExclusions ? everyone.Count - excluded.Count : everyone.Count,
            FailedAttentionChecks: data.Participants.Count(FailsAttention),
            TooFast: data.Participants.Count(TooFast),
            Excluded: excluded.Count,
            UnknownParticipants: answering.Count(id => !info.ContainsKey(id)),
            AnswersBefore: answersBefore,
            AnswersAfter: kept.Discrimination.Count + kept.Trust.Count + kept.Comparisons.Count + kept.Simulation.Count,
            MaxFailedAttentionChecks: options.MaxFailedAttentionChecks,
            MinMedianResponseMs: options.MinMedianResponseMs)
        {
            ByFlag = options.ExcludeFlags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .ToDictionary(flag => flag, flag => data.Participants.Count(p => Flagged(p, flag)), StringComparer.Ordinal),
        };
        return (kept, report);
    }
}
