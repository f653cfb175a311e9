using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Studies;

/// <summary>A status change the study's state does not allow; the message says why.</summary>
public sealed class StudyLifecycleException(string message) : Exception(message);

/// <summary>
/// Opening and closing studies: the one place a study's status moves between ready, open and
/// closed, used by the dashboard, the CLI and the demo seeder, with the checks that keep
/// participants from an unfinished study; the first opening freezes the preregistration, and a
/// later change to the analysis settings is recorded against it.
/// </summary>
public sealed class StudyLifecycle(SquadStudyDbContext db, TimeProvider clock)
{
    /// <summary>
    /// Opens a <c>ready</c> (or reopens a <c>closed</c>) study; opening an open study changes nothing,
    /// so a repeated request is harmless. Refused while its precomputation is unfinished, when it has
    /// no stimuli, or when an experiment has fewer stimuli than the questions it asks each participant.
    /// <see cref="Study.OpenedUtc"/> keeps the first opening.
    /// </summary>
    public async Task<Study> OpenAsync(long studyId, CancellationToken cancellationToken = default)
    {
        var study = await db.Studies.SingleOrDefaultAsync(s => s.Id == studyId, cancellationToken)
            ?? throw new StudyLifecycleException($"Study {studyId} does not exist.");
        if (study.Status == StudyStatus.Open)
        {
            return study;
        }
        if (study.Status is not (StudyStatus.Ready or StudyStatus.Closed))
        {
            throw new StudyLifecycleException($"Study '{study.Slug}' is {study.Status}; it can open once its explanations are precomputed (status ready).");
        }
        var job = await db.PrecomputeJobs.AsNoTracking().SingleOrDefaultAsync(j => j.StudyId == studyId, cancellationToken);
        if (job is null || job.Status != PrecomputeStatus.Done)
        {
            throw new StudyLifecycleException($"The precomputation of study '{study.Slug}' is {job?.Status ?? "not started"}: the study can open when it is done.");
        }
        var counts = await db.Stimuli.Where(s => s.StudyId == studyId).GroupBy(s => s.Experiment)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        if (counts.Count == 0)
        {
            throw new StudyLifecycleException($"Study '{study.Slug}' has no stimuli, so there is nothing to ask participants.");
        }
        foreach (var byType in StudyDefinition.Parse(study.DefinitionJson).Experiments.GroupBy(e => e.Type))
        {
            var questions = byType.Max(e => e.Questions);
            var available = counts.GetValueOrDefault(byType.Key);
            if (available < questions)
            {
                throw new StudyLifecycleException($"Study '{study.Slug}' has {available} {byType.Key} stimuli but asks {questions} {byType.Key} questions per participant; it can not open.");
            }
        }
        var now = clock.GetUtcNow().UtcDateTime;
        study.Status = StudyStatus.Open;
        study.OpenedUtc ??= now;
        study.ClosedUtc = null;
        // The first opening freezes the definition and analysis settings (the preregistration);
        // a reopening keeps that registration, and what changed since is in study_changes.
        if (!await db.StudyRegistrations.AnyAsync(r => r.StudyId == studyId, cancellationToken))
        {
            var canonical = Preregistration.CanonicalJson(study.DefinitionJson);
            db.StudyRegistrations.Add(new StudyRegistration { StudyId = studyId, RegisteredUtc = now, CanonicalJson = canonical, Sha256 = Preregistration.Sha256(canonical) });
        }
        await db.SaveChangesAsync(cancellationToken);
        return study;
    }

    /// <summary>
    /// Sets the study's analysis settings (study.json <c>exclusions</c>), at any time. Once the study
    /// has opened, a change is recorded in its preregistration trail: when, by whom, what changed and
    /// the definition's new hash. Returns what changed (empty when the settings were already these,
    /// which records nothing).
    /// </summary>
    public async Task<IReadOnlyList<string>> ChangeExclusionsAsync(long studyId, ExclusionDefinition rules, string changedBy, CancellationToken cancellationToken = default)
    {
        if (rules.MinMedianResponseMs is < 0)
        {
            throw new StudyLifecycleException("The minimum median response time must be zero or more milliseconds.");
        }
        var study = await db.Studies.SingleOrDefaultAsync(s => s.Id == studyId, cancellationToken)
            ?? throw new StudyLifecycleException($"Study {studyId} does not exist.");
        var before = Preregistration.CanonicalJson(study.DefinitionJson);
        var definition = JsonNode.Parse(study.DefinitionJson, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        definition["exclusions"] = JsonSerializer.SerializeToNode(rules, PackJson.Options);
        var changedJson = definition.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var after = Preregistration.CanonicalJson(changedJson);
        var differences = Preregistration.Differences(before, after);
        if (differences.Count == 0)
        {
            return differences;
        }
        study.DefinitionJson = changedJson;
        if (await db.StudyRegistrations.AnyAsync(r => r.StudyId == studyId, cancellationToken))
        {
            db.StudyChanges.Add(new StudyChange
            {
                StudyId = studyId,
                ChangedUtc = clock.GetUtcNow().UtcDateTime,
                ChangedBy = changedBy,
                Description = string.Join("; ", differences),
                Sha256 = Preregistration.Sha256(after),
            });
        }
        await db.SaveChangesAsync(cancellationToken);
        return differences;
    }

    /// <summary>Closes an open study: no new participants; answers already given are kept.</summary>
    public async Task<Study> CloseAsync(long studyId, CancellationToken cancellationToken = default)
    {
        var study = await db.Studies.SingleOrDefaultAsync(s => s.Id == studyId, cancellationToken)
            ?? throw new StudyLifecycleException($"Study {studyId} does not exist.");
        if (study.Status != StudyStatus.Open)
        {
            throw new StudyLifecycleException($"Study '{study.Slug}' is {study.Status}, not open; only an open study can be closed.");
        }
        study.Status = StudyStatus.Closed;
        study.ClosedUtc = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return study;
    }
}
