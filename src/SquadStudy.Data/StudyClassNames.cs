using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace SquadStudy.Data;

/// <summary>
/// The one reader of a study's class names (<c>study_classes</c>, stored at import from the
/// pack's labels.txt) and the one rule for naming a class the list does not hold.
/// </summary>
public static class StudyClassNames
{
    /// <summary>The study's class names in index order (empty for a study without any).</summary>
    public static async Task<IReadOnlyList<string>> ClassNamesAsync(this SquadStudyDbContext db, long studyId, CancellationToken cancellationToken = default) =>
        await db.StudyClasses.AsNoTracking().Where(c => c.StudyId == studyId)
            .OrderBy(c => c.ClassIndex).Select(c => c.Name).ToListAsync(cancellationToken);

    /// <summary>Class <paramref name="index"/>'s name, or the index itself when the study names no such class.</summary>
    public static string Name(IReadOnlyList<string> names, int index) =>
        index >= 0 && index < names.Count ? names[index] : index.ToString(CultureInfo.InvariantCulture);
}
