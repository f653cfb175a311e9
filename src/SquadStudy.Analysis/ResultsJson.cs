using System.Text.Json;
using System.Text.Json.Serialization;

namespace SquadStudy.Analysis;

/// <summary>JSON for researchers' scripts: snake_case names, enums as snake_case strings, undefined values as null.</summary>
public static class ResultsJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize(StudyResults results) => JsonSerializer.Serialize(results, Options);

    public static string Serialize(StudyReport report) => JsonSerializer.Serialize(report, Options);

    public static StudyResults? DeserializeResults(string json) => JsonSerializer.Deserialize<StudyResults>(json, Options);
}
