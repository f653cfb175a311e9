using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Studies;

namespace SquadStudy.Web.Research;

/// <summary>One row of the studies list.</summary>
public sealed record StudyListItem(string Slug, string Title, string Status, DateTime CreatedUtc, int Participants, int Completed);

/// <summary>The result of opening or closing a study: null error means it happened.</summary>
public sealed record StudyTransition(string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>The result of changing a study's analysis settings: what changed (empty: nothing), or why it could not.</summary>
public sealed record SettingsChange(IReadOnlyList<string> Differences, string? Error);

/// <summary>Lists studies and moves them between open and closed; participants can enrol only while a study is open.</summary>
public sealed class ResearchStudies(SquadStudyDbContext db, StudyLifecycle lifecycle)
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

    /// <summary>Opens enrolment, by the rules of <see cref="StudyLifecycle.OpenAsync"/>.</summary>
    public Task<StudyTransition> OpenAsync(string slug, CancellationToken cancellationToken = default) =>
        TransitionAsync(slug, lifecycle.OpenAsync, cancellationToken);

    /// <summary>Stops enrolment. Participants already enrolled keep their plans (the participant pages decide whether they may finish).</summary>
    public Task<StudyTransition> CloseAsync(string slug, CancellationToken cancellationToken = default) =>
        TransitionAsync(slug, lifecycle.CloseAsync, cancellationToken);

    /// <summary>Sets the exclusion rules (study.json <c>exclusions</c>); after opening, recorded in the preregistration trail.</summary>
    public async Task<SettingsChange> ChangeExclusionsAsync(string slug, ExclusionDefinition rules, string changedBy, CancellationToken cancellationToken = default)
    {
        var id = await db.Studies.Where(s => s.Slug == slug).Select(s => (long?)s.Id).SingleOrDefaultAsync(cancellationToken);
        if (id is null)
        {
            return new SettingsChange([], $"There is no study '{slug}'.");
        }
        try
        {
            return new SettingsChange(await lifecycle.ChangeExclusionsAsync(id.Value, rules, changedBy, cancellationToken), null);
        }
        catch (StudyLifecycleException refused)
        {
            return new SettingsChange([], refused.Message);
        }
    }

    private async Task<StudyTransition> TransitionAsync(string slug, Func<long, CancellationToken, Task<Study>> change, CancellationToken cancellationToken)
    {
        var id = await db.Studies.Where(s => s.Slug == slug).Select(s => (long?)s.Id).SingleOrDefaultAsync(cancellationToken);
        if (id is null)
        {
            return new StudyTransition($"There is no study '{slug}'.");
        }
        try
        {
            await change(id.Value, cancellationToken);
            return new StudyTransition(null);
        }
        catch (StudyLifecycleException refused)
        {
            return new StudyTransition(refused.Message);
        }
    }
}
