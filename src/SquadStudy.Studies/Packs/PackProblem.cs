namespace SquadStudy.Studies;

/// <summary>One thing wrong with a study pack: the file (relative to the pack) and what is wrong.</summary>
public sealed record PackProblem(string File, string Message, int? Line = null)
{
    public override string ToString() => Line is { } line ? $"{File}:{line}: {Message}" : $"{File}: {Message}";
}

/// <summary>A study pack that can not be imported; <see cref="Problems"/> lists every problem found.</summary>
public sealed class StudyPackException(IReadOnlyList<PackProblem> problems)
    : Exception(Describe(problems))
{
    public IReadOnlyList<PackProblem> Problems { get; } = problems;

    private static string Describe(IReadOnlyList<PackProblem> problems) =>
        $"The study pack has {problems.Count} problem{(problems.Count == 1 ? "" : "s")}:" + Environment.NewLine
        + string.Join(Environment.NewLine, problems.Select(p => "  " + p));
}

/// <summary>
/// Bounds on a zipped pack, checked on the bytes actually inflated (never on the sizes the archive
/// claims), so a zip bomb stops at the limit instead of filling the disk.
/// </summary>
public sealed record PackLimits
{
    public int MaxEntries { get; init; } = 20_000;
    public long MaxEntryBytes { get; init; } = 1L << 30;
    public long MaxTotalBytes { get; init; } = 4L << 30;
    /// <summary>Largest annotation file read (VOC files are a few kilobytes).</summary>
    public long MaxAnnotationBytes { get; init; } = 1 << 20;
}
