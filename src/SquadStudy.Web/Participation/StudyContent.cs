using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Participation;

/// <summary>
/// Read-mostly study content for the question pages, cached for the process' life: class names
/// (stored at import) and each stimulus' explanation URLs. Both are fixed once a study has been
/// precomputed; an explanation that is missing is not cached, so it appears once it exists.
/// </summary>
public sealed class StudyContent
{
    private readonly ConcurrentDictionary<long, IReadOnlyList<string>> classNames = new();
    private readonly ConcurrentDictionary<long, string?[]> explanationUrls = new();

    public async ValueTask<IReadOnlyList<string>> ClassNamesAsync(SquadStudyDbContext db, long studyId, CancellationToken cancellationToken)
    {
        if (!classNames.TryGetValue(studyId, out var names))
        {
            names = await db.ClassNamesAsync(studyId, cancellationToken);
            classNames[studyId] = names;
        }
        return names;
    }

    /// <summary>The URLs of the stimulus' explanations in display order (null where one is not computed).</summary>
    public async Task<string?[]> ExplanationUrlsAsync(SquadStudyDbContext db, StimulusView stimulus, bool swapped, CancellationToken cancellationToken)
    {
        if (!explanationUrls.TryGetValue(stimulus.Id, out var canonical))
        {
            var wanted = Questions.DisplayedExplanations(stimulus, swapped: false);
            var modelB = stimulus.ModelBId ?? stimulus.ModelAId;
            var methodB = stimulus.MethodB ?? stimulus.MethodA;
            var rows = await db.Explanations.AsNoTracking()
                .Where(e => e.ImageId == stimulus.ImageId && e.ClassIndex == stimulus.TargetClass
                    && (e.ModelId == stimulus.ModelAId || e.ModelId == modelB)
                    && (e.Method == stimulus.MethodA || e.Method == methodB))
                .Select(e => new { e.ModelId, e.Method, e.PngPath })
                .ToListAsync(cancellationToken);
            canonical = wanted
                .Select(w => rows.FirstOrDefault(r => r.ModelId == w.Model && r.Method == w.Method)?.PngPath)
                .Select(MediaEndpoint.UrlFor)
                .ToArray();
            if (stimulus.Experiment == ExperimentKind.Simulation)
            {
                // Forward simulation shows the photo beside the explanation (Hase & Bansal 2020).
                var photo = await db.StudyImages.AsNoTracking().Where(i => i.Id == stimulus.ImageId).Select(i => i.FilePath).FirstOrDefaultAsync(cancellationToken);
                canonical = [MediaEndpoint.UrlFor(photo), .. canonical];
            }
            if (canonical.All(u => u is not null))
            {
                explanationUrls[stimulus.Id] = canonical;
            }
        }
        // Only the two sides of trust and comparison swap; a simulation's photo stays first.
        return swapped && (stimulus.Experiment is ExperimentKind.Trust or ExperimentKind.Comparison) && canonical.Length == 2
            ? [canonical[1], canonical[0]]
            : canonical;
    }
}
