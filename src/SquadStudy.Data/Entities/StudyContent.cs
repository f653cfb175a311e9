namespace SquadStudy.Data.Entities;

/// <summary>A CNN of a study (models/&lt;key&gt;.onnx in the pack).</summary>
public sealed class StudyModel
{
    public long Id { get; set; }
    public long StudyId { get; set; }
    public required string Key { get; set; }
    public required string DisplayName { get; set; }
    public required string OnnxPath { get; set; }
    public required string OnnxSha256 { get; set; }
    /// <summary>The pack's models/&lt;key&gt;.json.</summary>
    public required string MetadataJson { get; set; }
    public double? RecordedAccuracy { get; set; }
    public double? MeasuredAccuracy { get; set; }
    public Study? Study { get; set; }
}

/// <summary>
/// A class of a study: line <see cref="ClassIndex"/> of the pack's labels.txt, stored at import
/// (the only place the labels are read) so that participants and exports see names, not indices.
/// </summary>
public sealed class StudyClass
{
    public long StudyId { get; set; }
    public int ClassIndex { get; set; }
    public required string Name { get; set; }
}

/// <summary>A study image with its ground-truth boxes.</summary>
public sealed class StudyImage
{
    public long Id { get; set; }
    public long StudyId { get; set; }
    public required string Stem { get; set; }
    /// <summary>Content-addressed path relative to the data directory.</summary>
    public required string FilePath { get; set; }
    public required string Sha256 { get; set; }
    public int Width { get; set; }
    public int Height { get; set; }
    /// <summary>Class index of the largest ground-truth box (the image's label).</summary>
    public int LabelClass { get; set; }
    /// <summary>Ground-truth boxes as JSON: [{"class":i,"xmin":..,"ymin":..,"xmax":..,"ymax":..}].</summary>
    public required string BoxesJson { get; set; }
    public bool IsTestSplit { get; set; }
    public Study? Study { get; set; }
}

/// <summary>A model's prediction for an image, computed by the precompute worker.</summary>
public sealed class Prediction
{
    public long Id { get; set; }
    public long ImageId { get; set; }
    public long ModelId { get; set; }
    public int PredictedClass { get; set; }
    public double Probability { get; set; }
    /// <summary>Top-5 classes with probabilities as JSON.</summary>
    public required string Top5Json { get; set; }
}

/// <summary>One precomputed explanation map for (image, model, method, class).</summary>
public sealed class Explanation
{
    public long Id { get; set; }
    public long StudyId { get; set; }
    public long ImageId { get; set; }
    public long ModelId { get; set; }
    public required string Method { get; set; }
    public int ClassIndex { get; set; }
    /// <summary>Content-addressed PNG path relative to the data directory.</summary>
    public required string PngPath { get; set; }
    public string? RawPath { get; set; }
    public required string Sha256 { get; set; }
    /// <summary>Automated metrics for this map as JSON (localisation box, pointing hit, drop, …).</summary>
    public string? MetricsJson { get; set; }
    public DateTime CreatedUtc { get; set; }
    /// <summary>When metrics were last added from the stored map (<c>squadstudy metrics</c>); null for precompute's own.</summary>
    public DateTime? MetricsUpdatedUtc { get; set; }
}

public static class ExperimentKind
{
    public const string Discrimination = "discrimination";
    public const string Trust = "trust";
    public const string Comparison = "comparison";
    /// <summary>Forward simulation (Hase &amp; Bansal 2020): predict the model's answer from the image and its explanation.</summary>
    public const string Simulation = "simulation";

    /// <summary>
    /// Whether the participant chooses between two classes (the stimulus' target and distractor), right when
    /// the target is chosen: discrimination (the target is the explained class) and simulation (the model's prediction).
    /// </summary>
    public static bool ChoosesClass(string? experiment) => experiment is Discrimination or Simulation;
}

/// <summary>
/// One question a participant can be shown. Discrimination: (image, model A, method A, target,
/// distractor). Trust: (image, method A, model A, model B, target = the common prediction).
/// Comparison: (image, model A, method A, method B, target = the prediction). Simulation: (image,
/// model A, method A, target = model A's stored prediction, explained; distractor = the image's label
/// when the model is wrong, else another class).
/// </summary>
public sealed class Stimulus
{
    public long Id { get; set; }
    public long StudyId { get; set; }
    public required string Experiment { get; set; }
    public long ImageId { get; set; }
    public int TargetClass { get; set; }
    public int? DistractorClass { get; set; }
    public long ModelAId { get; set; }
    public long? ModelBId { get; set; }
    public required string MethodA { get; set; }
    public string? MethodB { get; set; }
    /// <summary>Live plans that hold this stimulus: the balance the assignment keeps even.</summary>
    public int AssignedCount { get; set; }
    public int AnsweredCount { get; set; }
}

public static class PrecomputeStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>
/// A study's precomputation: its phase and the whole job's progress. The work itself is the job's
/// <see cref="PrecomputeItem"/>s, which workers on any machine claim one at a time.
/// </summary>
public sealed class PrecomputeJob
{
    public long Id { get; set; }
    public long StudyId { get; set; }
    /// <summary><c>pending</c> until a worker starts it, <c>running</c>, <c>done</c>, or <c>failed</c> when an item gave up (the items say which and why).</summary>
    public string Status { get; set; } = PrecomputeStatus.Pending;
    /// <summary>
    /// <see cref="PrecomputePhase"/>: empty before the items exist, then predict, explain (whose
    /// items need every prediction, for the stimulus plan) and done. Moved on by one guarded UPDATE,
    /// so of several workers exactly one makes each step.
    /// </summary>
    public string Phase { get; set; } = PrecomputePhase.None;
    /// <summary>Items of both phases: known when the predict items are made (one explain item per predict item).</summary>
    public int Total { get; set; }
    public int Completed { get; set; }
    public DateTime? StartedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    public string? Error { get; set; }
}

public static class PrecomputePhase
{
    public const string None = "";
    public const string Predict = "predict";
    public const string Explain = "explain";
    public const string Done = "done";
}

/// <summary>
/// One unit of a precompute job: the prediction, or the explanations its stimuli need, of one
/// (image, model). A worker claims it under a lease it renews; a lease that runs out lets another
/// worker claim it again, at most <c>PrecomputeLeaseOptions.MaxAttempts</c> times.
/// </summary>
public sealed class PrecomputeItem
{
    public long Id { get; set; }
    public long JobId { get; set; }
    public required string Phase { get; set; }
    public long ImageId { get; set; }
    public long ModelId { get; set; }
    /// <summary><c>pending</c>, <c>running</c> (under a lease), <c>done</c> or <c>failed</c>.</summary>
    public string Status { get; set; } = PrecomputeStatus.Pending;
    /// <summary>The worker that holds the item (<c>host:pid:id</c>), or null when none does.</summary>
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresUtc { get; set; }
    /// <summary>How many times a worker has claimed the item.</summary>
    public int Attempts { get; set; }
    /// <summary>The last failure's message; cleared when a retry succeeds.</summary>
    public string? Error { get; set; }
    public DateTime UpdatedUtc { get; set; }
}
