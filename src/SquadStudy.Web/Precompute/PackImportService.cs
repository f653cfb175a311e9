using SquadStudy.Studies;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Precompute;

/// <summary>
/// The researchers' "New study" page's <see cref="IStudyImporter"/>: validates and imports a pack
/// with <see cref="StudyImporter"/>, reports every pack problem as one line, and wakes the
/// precompute worker.
/// </summary>
public sealed class PackImportService(StudyImporter importer, PrecomputeSignal signal) : IStudyImporter
{
    /// <summary>Largest accepted upload; the archive's content is bounded separately by <see cref="PackLimits"/>.</summary>
    public const long MaxUploadBytes = 2L << 30;

    public async Task<StudyImportResult> ImportFolderAsync(string folder, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(folder))
        {
            return StudyImportResult.Failure($"'{folder}' is not a folder on the server.");
        }
        return await ImportAsync(folder, cancellationToken);
    }

    public async Task<StudyImportResult> ImportZipAsync(Stream zip, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Path.GetTempPath(), $"squadstudy-upload-{Guid.NewGuid():N}.zip");
        try
        {
            await using (var file = File.Create(path))
            {
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = await zip.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > MaxUploadBytes)
                    {
                        return StudyImportResult.Failure($"The upload is larger than {MaxUploadBytes} bytes.");
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            return await ImportAsync(path, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task<StudyImportResult> ImportAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var study = await importer.ImportAsync(path, cancellationToken: cancellationToken);
            signal.Notify();
            return StudyImportResult.Success(study.Slug);
        }
        catch (StudyPackException e)
        {
            return StudyImportResult.Failure([.. e.Problems.Select(p => p.ToString())]);
        }
        catch (StudyImportException e)
        {
            return StudyImportResult.Failure(e.Message);
        }
    }
}
