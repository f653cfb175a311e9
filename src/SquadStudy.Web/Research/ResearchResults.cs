using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using SquadStudy.Data;
using SquadStudy.Reporting;

namespace SquadStudy.Web.Research;

/// <summary>
/// The study's results for the dashboard and <c>results.json</c>. The permutation tests make an analysis
/// cost up to a second on a large study, so a result is cached until the study's answers, participants,
/// withdrawals or explanations change (a cheap fingerprint query decides).
/// </summary>
public sealed class ResearchResults(SquadStudyDbContext db, ResultsCache results, TimeProvider time, IOptions<ResultsOptions> options)
{
    private readonly MemoryCache cache = results.Cache;

    public async Task<StudyResultsDocument?> ResultsAsync(string slug, CancellationToken cancellationToken = default)
    {
        var study = await db.Studies.AsNoTracking().Where(s => s.Slug == slug)
            .Select(s => new { s.Id, s.WithdrawalCount, s.DefinitionJson }).SingleOrDefaultAsync(cancellationToken);
        if (study is null)
        {
            return null;
        }
        var answers = db.Answers.Where(a => db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == study.Id));
        var fingerprint = (
            Slug: slug,
            Answers: await answers.CountAsync(cancellationToken),
            LastAnswer: await answers.MaxAsync(a => (long?)a.Id, cancellationToken),
            Participants: await db.Participants.CountAsync(p => p.StudyId == study.Id, cancellationToken),
            study.WithdrawalCount,
            Explanations: await db.Explanations.CountAsync(x => x.StudyId == study.Id, cancellationToken),
            // Metrics added from the stored maps afterwards (squadstudy metrics) change no count above.
            MetricsUpdated: await db.Explanations.Where(x => x.StudyId == study.Id).MaxAsync(x => x.MetricsUpdatedUtc, cancellationToken),
            Definition: study.DefinitionJson.GetHashCode(StringComparison.Ordinal),
            // The preregistration is frozen at the first opening, which changes nothing else counted here.
            Registered: await db.StudyRegistrations.AnyAsync(r => r.StudyId == study.Id, cancellationToken));
        if (cache.TryGetValue(fingerprint, out StudyResultsDocument? cached))
        {
            return cached;
        }
        var document = await StudyReporter.BuildAsync(db, slug, time.GetUtcNow().UtcDateTime, options.Value, cancellationToken);
        cache.Set(fingerprint, document, new MemoryCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(30), Size = 1 });
        return document;
    }
}

/// <summary>The results cache: its own bounded cache, so other users of IMemoryCache are unaffected by its size limit.</summary>
public sealed class ResultsCache : IDisposable
{
    public MemoryCache Cache { get; } = new(new MemoryCacheOptions { SizeLimit = 64 });

    public void Dispose() => Cache.Dispose();
}
