using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Studies;

/// <summary>A status change the study's state does not allow; the message says why.</summary>
public sealed class StudyLifecycleException(string message) : Exception(message);

/// <summary>Opening and closing studies, with the checks that keep participants from an unfinished study.</summary>
public sealed class StudyLifecycle(SquadStudyDbContext db, TimeProvider clock)
{
    /// <summary>
    /// Opens a <c>ready</c> (or reopens a <c>closed</c>) study. Refused while its precomputation
    /// is unfinished, or when an experiment has fewer stimuli than the questions it asks each participant.
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
        var definition = JsonSerializer.Deserialize<StudyDefinition>(study.DefinitionJson, PackJson.Options)!;
        var counts = await db.Stimuli.Where(s => s.StudyId == studyId).GroupBy(s => s.Experiment)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        foreach (var byType in definition.Experiments.GroupBy(e => e.Type))
        {
            var questions = byType.Max(e => e.Questions);
            var available = counts.GetValueOrDefault(byType.Key);
            if (available < questions)
            {
                throw new StudyLifecycleException($"Study '{study.Slug}' has {available} {byType.Key} stimuli but asks {questions} {byType.Key} questions per participant; it can not open.");
            }
        }
        study.Status = StudyStatus.Open;
        study.OpenedUtc = clock.GetUtcNow().UtcDateTime;
        study.ClosedUtc = null;
        await db.SaveChangesAsync(cancellationToken);
        return study;
    }

    /// <summary>Closes an open study: no new participants; answers already given are kept.</summary>
    public async Task<Study> CloseAsync(long studyId, CancellationToken cancellationToken = default)
    {
        var study = await db.Studies.SingleOrDefaultAsync(s => s.Id == studyId, cancellationToken)
            ?? throw new StudyLifecycleException($"Study {studyId} does not exist.");
        if (study.Status != StudyStatus.Open)
        {
            throw new StudyLifecycleException($"Study '{study.Slug}' is {study.Status}, not open.");
        }
        study.Status = StudyStatus.Closed;
        study.ClosedUtc = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return study;
    }
}
