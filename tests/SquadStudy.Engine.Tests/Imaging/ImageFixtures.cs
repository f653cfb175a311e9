using System.Runtime.InteropServices;
using System.Text.Json;

namespace SquadStudy.Engine.Tests.Imaging;

/// <summary>
/// The committed fixtures of tests/fixtures/images (made by scripts/make_image_fixtures.py) and their
/// manifest.json.
/// </summary>
internal static class ImageFixtures
{
    private static readonly Lazy<string> DirectoryPath = new(FindDirectory);
    private static readonly Lazy<JsonElement> ManifestRoot = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path("manifest.json"))).RootElement);

    public static string Path(string name) => System.IO.Path.Combine(DirectoryPath.Value, name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    public static float[] Floats(string name) => MemoryMarshal.Cast<byte, float>(Bytes(name)).ToArray();

    public static IEnumerable<JsonElement> Entries(string section) => ManifestRoot.Value.GetProperty(section).EnumerateArray();

    public static JsonElement Entry(string section, string key, string value) =>
        Entries(section).Single(e => e.GetProperty(key).GetString() == value);

    public static TheoryData<string> Names(string section, string key)
    {
        var data = new TheoryData<string>();
        foreach (var e in Entries(section))
        {
            data.Add(e.GetProperty(key).GetString()!);
        }

        return data;
    }

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "fixtures", "images");
            if (File.Exists(System.IO.Path.Combine(candidate, "manifest.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"tests/fixtures/images/manifest.json not found above {AppContext.BaseDirectory}; run scripts/make_image_fixtures.py.");
    }
}
