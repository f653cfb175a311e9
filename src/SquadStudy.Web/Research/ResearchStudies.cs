using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Research;

/// <summary>One row of the studies list.</summary>
public sealed record StudyListItem(string Slug, string Title, string Status, DateTime CreatedUtc, int Participants, int Completed);

/// <summary>The result of opening or closing a study: null error means it happened.</summary>
public sealed record StudyTransition(string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>Lists studies and moves them between open and closed; participants can enrol only while a study is open.</summary>
public sealed class ResearchStudies(SquadStudyDbContext db, TimeProvider time)
{
    public async Task<IReadOnlyList<StudyListItem>> ListAsync(CancellationToken cancellationToken = default)
    {
        var studies = await db.Studies.AsNoTracking()
            .OrderByDescending(s => s.CreatedUtc)
            .Select(s => new { s.Id, s.Slug, s.Title, s.Status, s.CreatedUtc })
            .ToListAsync(cancellationToken);
        var counts = await db.Participants.AsNoTracking()
            .GroupBy(p => p.StudyId)
            .Select(g => new { StudyId = g.Key, Total = g.Count(), Completed = g.Count(p => p.Status == ParticipantStatus.Completed) })
            .ToDictionaryAsync(g => g.StudyId, cancellationToken);
        return studies
            .Select(s => counts.TryGetValue(s.Id, out var c)
                ? new StudyListItem(s.Slug, s.Title, s.Status, s.CreatedUtc, c.Total, c.Completed)
                : new StudyListItem(s.Slug, s.Title, s.Status, s.CreatedUtc, 0, 0))
            .ToList();
    }

    public Task<Study?> FindAsync(string slug, CancellationToken cancellationToken = default) =>
        db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Slug == slug, cancellationToken);

    /// <summary>
    /// Opens enrolment. Refused unless the study has stimuli and its precomputation is done
    /// (status <c>ready</c>, or <c>closed</c> to reopen), so no participant meets a missing explanation.
    /// </summary>
    public async Task<StudyTransition> OpenAsync(string slug, CancellationToken cancellationToken = default)
    {
        var study = await db.Studies.SingleOrDefaultAsync(s => s.Slug == slug, cancellationToken);
        if (study is null)
        {
            return new StudyTransition($"There is no study '{slug}'.");
        }
        if (study.Status == StudyStatus.Open)
        {
            return new StudyTransition("The study is already open.");
        }
        if (study.Status is not (StudyStatus.Ready or StudyStatus.Closed))
        {
            return new StudyTransition($"The study is '{study.Status}': it can be opened once its explanations are precomputed.");
        }
        if (!await db.Stimuli.AnyAsync(s => s.StudyId == study.Id, cancellationToken))
        {
            return new StudyTransition("The study has no stimuli, so there is nothing to ask participants.");
        }
        var job = await db.PrecomputeJobs.AsNoTracking().SingleOrDefaultAsync(j => j.StudyId == study.Id, cancellationToken);
        if (job is null || job.Status != PrecomputeStatus.Done)
        {
            return new StudyTransition($"The precomputation is {job?.Status ?? "not started"}: the study can be opened when it is done.");
        }
        study.Status = StudyStatus.Open;
        study.OpenedUtc ??= time.GetUtcNow().UtcDateTime;
        study.ClosedUtc = null;
        await db.SaveChangesAsync(cancellationToken);
        return new StudyTransition(null);
    }

    /// <summary>Stops enrolment. Participants already enrolled keep their plans (the participant pages decide whether they may finish).</summary>
    public async Task<StudyTransition> CloseAsync(string slug, CancellationToken cancellationToken = default)
    {
        var study = await db.Studies.SingleOrDefaultAsync(s => s.Slug == slug, cancellationToken);
        if (study is null)
        {
            return new StudyTransition($"There is no study '{slug}'.");
        }
        if (study.Status != StudyStatus.Open)
        {
            return new StudyTransition($"Only an open study can be closed; this one is '{study.Status}'.");
        }
        study.Status = StudyStatus.Closed;
        study.ClosedUtc = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return new StudyTransition(null);
    }
}
