using System.Text.Json;
using System.Text.Json.Serialization;

namespace SquadStudy.Analysis;

/// <summary>JSON for researchers' scripts: snake_case names, enums as snake_case strings, undefined values as null.</summary>
public static class ResultsJson
{
    /// <summary>The options used here, read-only so that a caller cannot change the format for everyone.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = true,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize(StudyResults results) => JsonSerializer.Serialize(results, Options);

    public static string Serialize(StudyReport report) => JsonSerializer.Serialize(report, Options);

    public static StudyResults? DeserializeResults(string json) => JsonSerializer.Deserialize<StudyResults>(json, Options);
}
