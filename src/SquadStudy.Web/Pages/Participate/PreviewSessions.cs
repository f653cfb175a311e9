using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;

namespace SquadStudy.Web.Pages.Participate;

/// <summary>
/// The researchers' preview plans in the database (<c>preview_sessions</c>, migration 0005), not in
/// one instance's memory: behind a load balancer the next page of a preview may be served by any
/// instance. A session expires two hours after its last use; expired rows are removed when a new
/// preview starts.
/// </summary>
public sealed class PreviewSessions(SquadStudyDbContext db, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(2);

    public async Task<PreviewModel.PreviewSession?> FindAsync(long studyId, string key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var json = await db.Database
            .SqlQuery<string>($"SELECT session_json AS \"Value\" FROM preview_sessions WHERE key = {key} AND study_id = {studyId} AND expires_utc > {now}")
            .FirstOrDefaultAsync(cancellationToken);
        if (json is null)
        {
            return null;
        }
        var expires = now + Lifetime;
        await db.Database.ExecuteSqlAsync($"UPDATE preview_sessions SET expires_utc = {expires} WHERE key = {key}", cancellationToken);
        return JsonSerializer.Deserialize<PreviewModel.PreviewSession>(json);
    }

    public async Task SaveAsync(long studyId, string key, PreviewModel.PreviewSession session, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var expires = now + Lifetime;
        var json = JsonSerializer.Serialize(session);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO preview_sessions (key, study_id, session_json, expires_utc) VALUES ({key}, {studyId}, {json}, {expires})
            ON CONFLICT (key) DO UPDATE SET session_json = excluded.session_json, expires_utc = excluded.expires_utc
            """, cancellationToken);
    }

    /// <summary>Stores a new session and removes the expired ones.</summary>
    public async Task AddAsync(long studyId, string key, PreviewModel.PreviewSession session, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await db.Database.ExecuteSqlAsync($"DELETE FROM preview_sessions WHERE expires_utc <= {now}", cancellationToken);
        await SaveAsync(studyId, key, session, cancellationToken);
    }

    public Task RemoveAsync(string key, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"DELETE FROM preview_sessions WHERE key = {key}", cancellationToken);
}
