using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Analysis;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Reporting;

/// <summary>
/// Means of the automated metrics of one model × method over its precomputed explanations. Every
/// numeric top-level property of <see cref="Explanation.MetricsJson"/> is a metric (booleans such as
/// a pointing-game hit count as 1 or 0, so their mean is the hit rate); nested objects (boxes) are not.
/// <see cref="Curves"/> are the element-wise means of the numeric arrays whose name ends in
/// <c>Curve</c> or <c>Fractions</c> (deletion, insertion and ROAD curves, the sanity check's
/// correlations per step, ROAD's fractions): per element over the maps that have a number there, and
/// only over maps whose array has the length the first map's had (a study precomputed under one setting).
/// </summary>
public sealed record MetricsRow(string Model, string Method, int Explanations, IReadOnlyDictionary<string, double> Means, IReadOnlyDictionary<string, int> Counts)
{
    public IReadOnlyDictionary<string, double[]> Curves { get; init; } = new Dictionary<string, double[]>();
}

/// <summary>The results of a study as the dashboard shows them and <c>results.json</c> / <c>squadstudy report --json</c> print them.</summary>
public sealed record StudyResultsDocument(
    string Study,
    string Title,
    DateTime GeneratedUtc,
    int Participants,
    int Answers,
    StudyResults WithExclusions,
    StudyResults WithoutExclusions,
    IReadOnlyList<MetricsRow> Metrics)
{
    /// <summary>The hash frozen when the study first opened and every change since (docs/results.md, "Preregistration trail").</summary>
    public PreregistrationTrail? Preregistration { get; init; }

    /// <summary>
    /// The fields (<c>accuracy</c>, <c>comparisons</c>, <c>trust</c>, <c>power</c>,
    /// <c>exclusions</c>, …) stand at the top level and are the analysis with the study's exclusion
    /// rules applied, as published; the same analysis without exclusions is nested under
    /// <c>without_exclusions</c> so a reader can see what the rules changed.
    /// </summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["study"] = Study,
            ["title"] = Title,
            ["generated_utc"] = JsonSerializer.SerializeToNode(GeneratedUtc, ResultsJson.Options),
            ["participants"] = Participants,
            ["answers"] = Answers,
        };
        var with = JsonSerializer.SerializeToNode(WithExclusions, ResultsJson.Options)!.AsObject();
        foreach (var name in with.Select(p => p.Key).ToList())
        {
            var value = with[name];
            with.Remove(name);
            root[name] = value;
        }
        root["without_exclusions"] = JsonSerializer.SerializeToNode(WithoutExclusions, ResultsJson.Options);
        root["metrics"] = JsonSerializer.SerializeToNode(Metrics, ResultsJson.Options);
        root["preregistration"] = Preregistration is { } trail ? new JsonObject
        {
            ["sha256"] = trail.Sha256,
            ["registered_utc"] = JsonSerializer.SerializeToNode(trail.RegisteredUtc, ResultsJson.Options),
            ["current_sha256"] = trail.CurrentSha256,
            ["changes_after_opening"] = JsonSerializer.SerializeToNode(trail.Changes, ResultsJson.Options),
        } : null;
        return root.ToJsonString(ResultsJson.Options);
    }
}

/// <summary>The site's (and the CLI's) settings of the results, section <c>SquadStudy:Results</c>.</summary>
public sealed class ResultsOptions
{
    public const string Section = "SquadStudy:Results";

    /// <summary>Resamples of the two-way cluster bootstrap of each accuracy (participants × images); 0 turns it off.</summary>
    public int BootstrapResamples { get; set; } = new AnalysisOptions().BootstrapResamples;
}

/// <summary>
/// Turns a study's answers into the statistics library's plain records and runs the analysis with the
/// study's own exclusion rules (study.json <c>exclusions</c>), with and without them applied.
/// </summary>
public static class StudyReporter
{
    public static async Task<StudyResultsDocument?> BuildAsync(SquadStudyDbContext db, string slug, DateTime nowUtc,
        ResultsOptions? settings = null, CancellationToken cancellationToken = default)
    {
        settings ??= new ResultsOptions();
        await using var transaction = await ReadSnapshot.BeginAsync(db, cancellationToken);
        var snapshot = await StudySnapshot.LoadInSnapshotAsync(db, slug, cancellationToken);
        if (snapshot is null)
        {
            return null;
        }
        var explanations = await db.Explanations.AsNoTracking()
            .Where(x => x.StudyId == snapshot.Study.Id && x.MetricsJson != null)
            .Select(x => new { x.ModelId, x.Method, x.MetricsJson })
            .ToListAsync(cancellationToken);
        var report = StudyAnalyzer.AnalyzeWithAndWithoutExclusions(ToStudyData(snapshot),
            Options(snapshot.Rules) with { BootstrapResamples = settings.BootstrapResamples });
        var metrics = Metrics(explanations.Select(x => (snapshot.Models.TryGetValue(x.ModelId, out var m) ? m.Key : "?", x.Method, x.MetricsJson!)));
        return new StudyResultsDocument(snapshot.Study.Slug, snapshot.Study.Title, nowUtc, snapshot.Participants.Count, snapshot.Answers.Count,
            report.WithExclusions, report.WithoutExclusions, metrics)
        {
            Preregistration = await Preregistration.TrailAsync(db, snapshot.Study.Id, snapshot.Study.DefinitionJson, cancellationToken),
        };
    }

    /// <summary>The study's exclusion rules as analysis options; a rule the study does not set is off.</summary>
    public static AnalysisOptions Options(ExclusionDefinition rules) => new()
    {
        MaxFailedAttentionChecks = rules.FailAttention ? 0 : int.MaxValue,
        MinMedianResponseMs = rules.MinMedianResponseMs,
        ExcludeFlags = rules.Flags ?? [],
    };

    /// <summary>
    /// One record per answer to a real question (attention checks only feed the exclusion rules).
    /// A discrimination stimulus is an (image, target class) pair, so its "image" is <c>stem:class</c>; the cluster
    /// bootstrap resamples the images themselves (the stem), as the generated analysis scripts' image effect does.
    /// A simulation answer is right when the model's stored prediction (the stimulus' target) was chosen.
    /// Trust scores are stored for model A; comparison scores are +1 (A better), 0 (same), −1 (B better).
    /// </summary>
    public static StudyData ToStudyData(StudySnapshot snapshot)
    {
        var participants = snapshot.Participants.ToDictionary(p => p.Participant.Id);
        var discrimination = new List<DiscriminationAnswer>();
        var simulation = new List<DiscriminationAnswer>();
        var trust = new List<TrustAnswer>();
        var comparisons = new List<ComparisonAnswer>();
        foreach (var answer in snapshot.Answers)
        {
            if (snapshot.IsAttention(answer) || answer.StimulusId is not { } stimulusId || !snapshot.Stimuli.TryGetValue(stimulusId, out var stimulus))
            {
                continue;
            }
            var participant = participants[answer.ParticipantId].AnonymousId;
            var stem = snapshot.Images.TryGetValue(stimulus.ImageId, out var image) ? image.Stem : stimulus.ImageId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var modelA = ModelKey(snapshot, stimulus.ModelAId);
            switch (stimulus.Experiment)
            {
                case ExperimentKind.Discrimination when answer.IsCorrect is { } correct:
                    discrimination.Add(new DiscriminationAnswer(participant, $"{stem}:{snapshot.ClassName(stimulus.TargetClass)}", modelA, stimulus.MethodA, correct)
                    {
                        ClusterImage = stem,
                        Confidence = answer.Confidence,
                    });
                    break;
                case ExperimentKind.Simulation when answer.IsCorrect is { } correct:
                    // A simulation stimulus is (image, model): the image's stem is its row and its cluster.
                    simulation.Add(new DiscriminationAnswer(participant, stem, modelA, stimulus.MethodA, correct)
                    {
                        Confidence = answer.Confidence,
                    });
                    break;
                case ExperimentKind.Trust when answer.Score is { } score && stimulus.ModelBId is { } modelB:
                    trust.Add(new TrustAnswer(participant, stem, stimulus.MethodA, modelA, ModelKey(snapshot, modelB), score));
                    break;
                case ExperimentKind.Comparison when answer.Score is { } score && stimulus.MethodB is { } methodB:
                    var choice = score switch { > 0 => Preference.A, < 0 => Preference.B, _ => Preference.Same };
                    comparisons.Add(new ComparisonAnswer(participant, stem, modelA, stimulus.MethodA, methodB, choice));
                    break;
            }
        }
        var info = snapshot.Participants.Select(p => new ParticipantInfo(p.AnonymousId, p.AttentionFailures, p.MedianResponseMs) { Flags = p.Flags }).ToList();
        var definition = StudyDefinition.Parse(snapshot.Study.DefinitionJson);
        return new StudyData(info, discrimination, trust, comparisons)
        {
            Simulation = simulation,
            ConfidenceLevels = ConfidenceDefinition.RatedTypes
                .Where(type => definition.ConfidenceFor(type) is not null)
                .ToDictionary(type => type, type => definition.ConfidenceFor(type)!.Levels, StringComparer.Ordinal),
        };
    }

    public static IReadOnlyList<MetricsRow> Metrics(IEnumerable<(string Model, string Method, string MetricsJson)> explanations)
    {
        var cells = new SortedDictionary<(string Model, string Method), MetricsCell>();
        foreach (var (model, method, json) in explanations)
        {
            if (!cells.TryGetValue((model, method), out var cell))
            {
                cells[(model, method)] = cell = new MetricsCell();
            }
            cell.Count++;
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            foreach (var property in document.RootElement.EnumerateObject())
            {
                double? value = property.Value.ValueKind switch
                {
                    JsonValueKind.Number => property.Value.GetDouble(),
                    JsonValueKind.True => 1.0,
                    JsonValueKind.False => 0.0,
                    _ => null,
                };
                if (value is { } v && double.IsFinite(v))
                {
                    cell.Add(property.Name, v);
                }
                else if (property.Value.ValueKind == JsonValueKind.Array && IsCurve(property.Name))
                {
                    cell.AddCurve(property.Name, property.Value);
                }
            }
            foreach (var (name, v) in DerivedMetrics.Of(document.RootElement))
            {
                cell.Add(name, v);
            }
        }
        return cells.Select(c => new MetricsRow(c.Key.Model, c.Key.Method, c.Value.Count,
                c.Value.Values.ToDictionary(v => v.Key, v => v.Value.Sum / v.Value.N, StringComparer.Ordinal),
                c.Value.Values.ToDictionary(v => v.Key, v => v.Value.N, StringComparer.Ordinal))
        { Curves = c.Value.CurveMeans() })
            .ToList();
    }

    private static bool IsCurve(string name) =>
        name.EndsWith("Curve", StringComparison.Ordinal) || name.EndsWith("Fractions", StringComparison.Ordinal);

    /// <summary>One model × method's running sums.</summary>
    private sealed class MetricsCell
    {
        public int Count { get; set; }

        public SortedDictionary<string, (double Sum, int N)> Values { get; } = new(StringComparer.Ordinal);

        private readonly SortedDictionary<string, (double[] Sum, int[] N)> _curves = new(StringComparer.Ordinal);

        public void Add(string name, double value)
        {
            var (sum, n) = Values.GetValueOrDefault(name);
            Values[name] = (sum + value, n + 1);
        }

        public void AddCurve(string name, JsonElement array)
        {
            var length = array.GetArrayLength();
            if (!_curves.TryGetValue(name, out var curve))
            {
                _curves[name] = curve = (new double[length], new int[length]);
            }
            if (curve.Sum.Length != length)
            {
                return;
            }
            var i = 0;
            foreach (var element in array.EnumerateArray())
            {
                if (element.ValueKind == JsonValueKind.Number && element.GetDouble() is var v && double.IsFinite(v))
                {
                    curve.Sum[i] += v;
                    curve.N[i]++;
                }
                i++;
            }
        }

        public IReadOnlyDictionary<string, double[]> CurveMeans() =>
            _curves.Where(c => c.Value.N.Length > 0 && c.Value.N.All(n => n > 0))
                .ToDictionary(c => c.Key, c => c.Value.Sum.Select((s, i) => s / c.Value.N[i]).ToArray(), StringComparer.Ordinal);
    }

    private static string ModelKey(StudySnapshot snapshot, long id) =>
        snapshot.Models.TryGetValue(id, out var model) ? model.Key : id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
