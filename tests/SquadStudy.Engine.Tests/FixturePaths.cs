namespace SquadStudy.Engine.Tests;

/// <summary>Locates tests/fixtures/engine (made by scripts/make_engine_fixtures.py) from the test binaries.</summary>
internal static class FixturePaths
{
    public static string EngineRoot { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "engine");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures/engine not found above " + AppContext.BaseDirectory);
    }

    public static string Engine(params string[] parts) => Path.Combine([EngineRoot, .. parts]);
}
