namespace SquadStudy.Web.Research;

/// <summary>The outcome of importing a study pack: the new study's slug, or the reasons it was refused.</summary>
public sealed record StudyImportResult(string? Slug, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Slug is not null && Errors.Count == 0;

    public static StudyImportResult Success(string slug) => new(slug, []);

    public static StudyImportResult Failure(params string[] errors) => new(null, errors);
}

/// <summary>
/// Imports a study pack (docs/study-pack.md) into the database and queues its precomputation.
/// The "New study" page calls this; the implementation belongs to the study-pack importer
/// (src/SquadStudy.Studies), which registers itself in the service collection.
/// </summary>
public interface IStudyImporter
{
    /// <summary>Imports the pack in a folder on the server.</summary>
    Task<StudyImportResult> ImportFolderAsync(string folder, CancellationToken cancellationToken = default);

    /// <summary>Imports a pack uploaded as a .zip archive.</summary>
    Task<StudyImportResult> ImportZipAsync(Stream zip, CancellationToken cancellationToken = default);
}
