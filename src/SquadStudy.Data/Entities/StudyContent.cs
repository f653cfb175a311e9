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
}

public static class ExperimentKind
{
    public const string Discrimination = "discrimination";
    public const string Trust = "trust";
    public const string Comparison = "comparison";
}

/// <summary>
/// One question a participant can be shown. Discrimination: (image, model A, method A, target,
/// distractor). Trust: (image, method A, model A, model B, target = the common prediction).
/// Comparison: (image, model A, method A, method B, target = the prediction).
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

/// <summary>Progress of a study's precomputation; the worker resumes from what exists.</summary>
public sealed class PrecomputeJob
{
    public long Id { get; set; }
    public long StudyId { get; set; }
    public string Status { get; set; } = PrecomputeStatus.Pending;
    public int Total { get; set; }
    public int Completed { get; set; }
    public DateTime? StartedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    public string? Error { get; set; }

    /// <summary>The worker that holds the job (<c>host:pid:id</c>), or null when no worker does.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>When the holder's lease runs out unless renewed; after it, another worker may take the job over.</summary>
    public DateTime? LeaseExpiresUtc { get; set; }

    /// <summary>How many times a worker has taken the job; bounded by <c>PrecomputeQueue.MaxAttempts</c>.</summary>
    public int Attempts { get; set; }
}
