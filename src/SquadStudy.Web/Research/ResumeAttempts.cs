using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Reporting;

namespace SquadStudy.Web.Research;

/// <summary>
/// resume-attempts.csv: every try to continue a recruiter id's session on a device without its
/// cookie (a right or wrong resume code), so the researcher can see attempted takeovers.
/// </summary>
public sealed class ResumeAttempts(SquadStudyDbContext db)
{
    public async Task<byte[]?> CsvAsync(string slug, CancellationToken cancellationToken)
    {
        var studyId = await db.Studies.AsNoTracking().Where(s => s.Slug == slug).Select(s => (long?)s.Id).FirstOrDefaultAsync(cancellationToken);
        if (studyId is not { } id)
        {
            return null;
        }
        var rows = await db.ResumeAttempts.AsNoTracking().Where(a => a.StudyId == id).OrderBy(a => a.Id).ToListAsync(cancellationToken);
        var csv = new StringBuilder("attempted_utc,participant,outcome\n");
        foreach (var row in rows)
        {
            // The participant as answers.csv and participants.csv name them; outcome is a fixed word (no quoting needed).
            csv.Append(row.AttemptedUtc.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append(',')
                .Append(StudySnapshot.AnonymousId(id, row.ParticipantId)).Append(',')
                .Append(row.Outcome).Append('\n');
        }
        return Encoding.UTF8.GetBytes(csv.ToString());
    }
}
