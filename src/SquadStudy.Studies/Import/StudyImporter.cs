using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Studies;

/// <summary>A pack that validated but can not be imported (e.g. its slug is taken).</summary>
public sealed class StudyImportException(string message) : Exception(message);

/// <summary>
/// Imports a validated <see cref="StudyPack"/>: its models and images go to the content store
/// first, then every row (study, models, images, precompute job) is written in one transaction.
/// A failure therefore leaves at most unreferenced files in the store, never rows that point to
/// missing files.
/// </summary>
public sealed class StudyImporter(SquadStudyDbContext db, ContentStore store, Engine.IExplanationEngine engine, TimeProvider clock, ILogger<StudyImporter> logger)
{
    /// <summary>Validates the pack at <paramref name="packPath"/> (folder or .zip) in full, then imports it.</summary>
    public async Task<Study> ImportAsync(string packPath, bool replace = false, CancellationToken cancellationToken = default)
    {
        using var pack = StudyPack.Load(packPath, engine);
        return await ImportAsync(pack, replace, cancellationToken);
    }

    /// <summary>
    /// Imports the pack as a study in status <c>precomputing</c> with a pending job. With
    /// <paramref name="replace"/>, an existing study of the same slug is deleted first, but only
    /// while nobody can have answered it (status draft, precomputing or ready, no participants).
    /// </summary>
    public async Task<Study> ImportAsync(StudyPack pack, bool replace = false, CancellationToken cancellationToken = default)
    {
        var slug = pack.Definition.Slug;
        var existing = await db.Studies.SingleOrDefaultAsync(s => s.Slug == slug, cancellationToken);
        if (existing is not null)
        {
            if (!replace)
            {
                throw new StudyImportException($"A study with slug '{slug}' already exists (status {existing.Status}); change the slug in study.json or import with --replace.");
            }
            var participants = await db.Participants.CountAsync(p => p.StudyId == existing.Id, cancellationToken);
            if (existing.Status is StudyStatus.Open or StudyStatus.Closed || participants > 0)
            {
                throw new StudyImportException($"Study '{slug}' is {existing.Status} with {participants} participants; only studies nobody has taken part in can be replaced.");
            }
        }

        foreach (var warning in pack.Warnings)
        {
            // Imported all the same; the dashboard's "Languages" shows the same fallbacks.
            logger.LogWarning("Study '{Slug}': {Warning}", slug, warning.ToString());
        }
        var models = pack.Models.Select(m => (Pack: m, Stored: Put(System.IO.File.ReadAllBytes(m.OnnxPath), "onnx"))).ToList();
        var images = pack.Images.Select(i => (Pack: i, Stored: Put(System.IO.File.ReadAllBytes(i.Path), Extension(i.Path)))).ToList();

        var now = clock.GetUtcNow().UtcDateTime;
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (existing is not null)
            {
                db.Studies.Remove(existing);
                await db.SaveChangesAsync(cancellationToken);
            }
            var definition = pack.Definition;
            var study = new Study
            {
                Slug = slug,
                Title = definition.Title,
                Status = StudyStatus.Precomputing,
                DefinitionJson = pack.DefinitionJson,
                ConsentMarkdown = pack.ConsentMarkdown,
                InstructionsMarkdown = pack.InstructionsMarkdown,
                CompletionCode = definition.Completion!.Code,
                Redirect = definition.Completion.Redirect,
                AbandonAfterMinutes = definition.AbandonAfterMinutes,
                PackDirectory = pack.Source,
                CreatedUtc = now,
            };
            foreach (var (model, stored) in models)
            {
                study.Models.Add(new StudyModel
                {
                    Key = model.Key,
                    DisplayName = model.Metadata.Name ?? model.Key,
                    OnnxPath = stored.Path,
                    OnnxSha256 = stored.Sha256,
                    MetadataJson = model.MetadataJson,
                    RecordedAccuracy = model.Metadata.Accuracy?.Top1,
                });
            }
            foreach (var text in pack.Translations)
            {
                study.Texts.Add(new StudyText { Language = text.Language, ConsentMarkdown = text.ConsentMarkdown, InstructionsMarkdown = text.InstructionsMarkdown });
            }
            for (var index = 0; index < pack.Labels.Count; index++)
            {
                study.Classes.Add(new StudyClass { ClassIndex = index, Name = pack.Labels[index] });
            }
            foreach (var (image, stored) in images)
            {
                study.Images.Add(new StudyImage
                {
                    Stem = image.Stem,
                    FilePath = stored.Path,
                    Sha256 = stored.Sha256,
                    Width = image.Width,
                    Height = image.Height,
                    LabelClass = image.LabelClass,
                    BoxesJson = BoxesJson.Serialize(image.Boxes),
                    IsTestSplit = image.IsTest,
                });
            }
            db.Studies.Add(study);
            await db.SaveChangesAsync(cancellationToken);
            db.PrecomputeJobs.Add(new PrecomputeJob { StudyId = study.Id, Status = PrecomputeStatus.Pending, UpdatedUtc = now });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return study;
        });
    }

    private (string Path, string Sha256) Put(byte[] content, string extension) =>
        (store.Put(content, extension), Convert.ToHexStringLower(SHA256.HashData(content)));

    private static string Extension(string path) => Path.GetExtension(path).TrimStart('.').ToLowerInvariant() switch
    {
        "jpeg" => "jpg",
        var e => e,
    };
}

