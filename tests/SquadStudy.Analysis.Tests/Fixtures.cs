using System.Text.Json;

namespace SquadStudy.Analysis.Tests;

/// <summary>Reads the SciPy reference fixtures made by scripts/make_stats_fixtures.py.</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Directory = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "fixtures", "stats");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/fixtures/stats not found above {AppContext.BaseDirectory}; run scripts/make_stats_fixtures.py.");
    });

    public static JsonElement Load(string name)
    {
        string path = Path.Combine(Directory.Value, name);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    public static IEnumerable<JsonElement> Items(this JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray();

    /// <summary>A number, NaN for JSON null, ±∞ for the strings "inf"/"-inf".</summary>
    public static double Number(this JsonElement element, string property)
    {
        var value = element.GetProperty(property);
        return value.ValueKind switch
        {
            JsonValueKind.Null => double.NaN,
            JsonValueKind.String when value.GetString() == "inf" => double.PositiveInfinity,
            JsonValueKind.String when value.GetString() == "-inf" => double.NegativeInfinity,
            _ => value.GetDouble(),
        };
    }

    public static double[] Numbers(this JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static string? Text(this JsonElement element, string property) =>
        element.GetProperty(property).ValueKind == JsonValueKind.Null ? null : element.GetProperty(property).GetString();
}

/// <summary>
/// The agreement rule with SciPy: |actual − expected| ≤ 1e-6 absolute, and for |expected| &lt; 1e-3 (small p-values)
/// also ≤ 1e-6 relative, so that 1e-30 is not "equal" to 0. NaN (JSON null) must be matched by NaN or null.
/// </summary>
internal static class Agree
{
    public const double Tolerance = 1e-6;

    public static void Close(double actual, double expected, string what)
    {
        if (double.IsNaN(expected))
        {
            double.IsNaN(actual).ShouldBeTrue($"{what}: expected NaN/null, got {actual:R}");
            return;
        }

        if (double.IsInfinity(expected))
        {
            actual.ShouldBe(expected, $"{what}");
            return;
        }

        double error = Math.Abs(actual - expected);
        error.ShouldBeLessThanOrEqualTo(Tolerance, $"{what}: actual {actual:R}, expected {expected:R}");
        if (Math.Abs(expected) < 1e-3)
        {
            error.ShouldBeLessThanOrEqualTo(Tolerance * Math.Abs(expected), $"{what}: relative error, actual {actual:R}, expected {expected:R}");
        }
    }

    public static void Close(double? actual, double expected, string what) => Close(actual ?? double.NaN, expected, what);
}
