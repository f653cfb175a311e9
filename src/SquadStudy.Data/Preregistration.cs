using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;

namespace SquadStudy.Data;

/// <summary>One recorded change after opening, as the dashboard and results.json show it.</summary>
public sealed record PreregistrationChange(DateTime ChangedUtc, string ChangedBy, string Description, string Sha256);

/// <summary>
/// A study's preregistration trail: the hash frozen when it first opened, the hash of its
/// definition now, and every change in between (oldest first). <see cref="Sha256"/> is null for a
/// study that has never opened.
/// </summary>
public sealed record PreregistrationTrail(string? Sha256, DateTime? RegisteredUtc, string CurrentSha256, IReadOnlyList<PreregistrationChange> Changes)
{
    /// <summary>Whether the study now runs on the definition it was registered with.</summary>
    public bool Unchanged => Sha256 == CurrentSha256;
}

/// <summary>
/// The preregistration of a study (docs/results.md, "Preregistration trail"): its definition and
/// analysis settings (study.json, whose <c>exclusions</c> are the analysis settings) in one
/// canonical JSON form, and that form's SHA-256. Canonical means: study.json read into its typed
/// form (<see cref="StudyDefinition"/>), so whitespace, comments, key order and defaults written out
/// or left out do not change it, then written with snake_case names in the type's declared order,
/// without indentation, nulls included; the hash is over its UTF-8 bytes, lower-case hex. A field a
/// later version adds to <see cref="StudyDefinition"/> becomes part of the form, so every setting
/// the platform acts on is covered.
/// </summary>
public static class Preregistration
{
    private static readonly JsonSerializerOptions Canonical = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    /// <summary>The canonical JSON of a stored definition (throws <see cref="InvalidDataException"/> for one that does not parse).</summary>
    public static string CanonicalJson(string definitionJson) =>
        JsonSerializer.Serialize(StudyDefinition.Parse(definitionJson), Canonical);

    public static string Sha256(string canonicalJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));

    /// <summary>
    /// What differs between two canonical forms, one field a line, by its path:
    /// <c>exclusions.min_median_response_ms: 800 → 1000</c>; empty when they are equal.
    /// </summary>
    public static IReadOnlyList<string> Differences(string beforeCanonical, string afterCanonical)
    {
        var before = Flatten(JsonNode.Parse(beforeCanonical));
        var after = Flatten(JsonNode.Parse(afterCanonical));
        return before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
            .Where(path => before.GetValueOrDefault(path) != after.GetValueOrDefault(path))
            .Select(path => $"{path}: {before.GetValueOrDefault(path) ?? "(none)"} → {after.GetValueOrDefault(path) ?? "(none)"}")
            .ToList();
    }

    /// <summary>The leaves of a JSON value by path (<c>experiments[0].questions</c>), each as JSON text.</summary>
    private static Dictionary<string, string> Flatten(JsonNode? node)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? value, string path)
        {
            switch (value)
            {
                case JsonObject obj when obj.Count > 0:
                    foreach (var (name, child) in obj)
                    {
                        Walk(child, path.Length == 0 ? name : $"{path}.{name}");
                    }
                    break;
                case JsonArray array when array.Count > 0:
                    for (var i = 0; i < array.Count; i++)
                    {
                        Walk(array[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]");
                    }
                    break;
                default:
                    leaves[path] = value?.ToJsonString() ?? "null";
                    break;
            }
        }
        Walk(node, "");
        return leaves;
    }

    /// <summary>The study's trail, read in the caller's transaction.</summary>
    public static async Task<PreregistrationTrail> TrailAsync(SquadStudyDbContext db, long studyId, string definitionJson, CancellationToken cancellationToken = default)
    {
        var registration = await db.StudyRegistrations.AsNoTracking().SingleOrDefaultAsync(r => r.StudyId == studyId, cancellationToken);
        var changes = await db.StudyChanges.AsNoTracking().Where(c => c.StudyId == studyId)
            .OrderBy(c => c.ChangedUtc).ThenBy(c => c.Id)
            .Select(c => new PreregistrationChange(c.ChangedUtc, c.ChangedBy, c.Description, c.Sha256))
            .ToListAsync(cancellationToken);
        return new PreregistrationTrail(registration?.Sha256, registration?.RegisteredUtc, Sha256(CanonicalJson(definitionJson)), changes);
    }
}
