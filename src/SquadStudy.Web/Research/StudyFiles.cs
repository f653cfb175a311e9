using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;

namespace SquadStudy.Web.Research;

/// <summary>A stored file to send: its full path in the content store and its media type.</summary>
public sealed record StoredFile(string Path, string ContentType);

/// <summary>Finds a study's images and explanation PNGs in the content store for the gallery.</summary>
public sealed class StudyFiles(SquadStudyDbContext db, DatabaseSettings settings)
{
    private readonly ContentStore store = new(settings.DataDirectory);

    public async Task<StoredFile?> ImageAsync(string slug, long id, CancellationToken cancellationToken = default)
    {
        var path = await db.StudyImages.AsNoTracking()
            .Where(i => i.Id == id && db.Studies.Any(s => s.Id == i.StudyId && s.Slug == slug))
            .Select(i => i.FilePath).SingleOrDefaultAsync(cancellationToken);
        return Resolve(path);
    }

    public async Task<StoredFile?> ExplanationAsync(string slug, long id, CancellationToken cancellationToken = default)
    {
        var path = await db.Explanations.AsNoTracking()
            .Where(x => x.Id == id && db.Studies.Any(s => s.Id == x.StudyId && s.Slug == slug))
            .Select(x => x.PngPath).SingleOrDefaultAsync(cancellationToken);
        return Resolve(path);
    }

    private StoredFile? Resolve(string? relative)
    {
        if (relative is null || store.Resolve(relative) is not { } full || !File.Exists(full))
        {
            return null;
        }
        var type = Path.GetExtension(full).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            _ => "application/octet-stream",
        };
        return new StoredFile(full, type);
    }
}
