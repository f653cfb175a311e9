using System.Text.Json;
using System.Text.Json.Nodes;

namespace SquadStudy.Studies.Tests;

/// <summary>
/// Writes a small valid study pack to a temporary folder: three classes, two models, eight 32×32
/// images of which five hold two classes; tests then break one thing at a time.
/// </summary>
internal sealed class TestPack : IDisposable
{
    public static readonly string[] Classes = ["circle", "square", "triangle"];

    public TestPack()
    {
        Root = Directory.CreateTempSubdirectory("squadstudy-testpack-").FullName;
        Directory.CreateDirectory(Path.Combine(Root, "models"));
        Directory.CreateDirectory(Path.Combine(Root, "images"));
        Directory.CreateDirectory(Path.Combine(Root, "annotations"));
        Directory.CreateDirectory(Path.Combine(Root, "splits"));
        Write("labels.txt", string.Join('\n', Classes) + "\n");
        Write("consent.md", "# Consent\nYou may withdraw at any time.\n");
        Write("instructions.md", "Look at the picture.\n");
        Study = JsonNode.Parse("""
            {
              "slug": "test-study",
              "title": "A test study",
              "consent": "consent.md",
              "instructions": "instructions.md",
              "models": ["alpha", "beta"],
              "seed": 7,
              "experiments": [
                { "type": "discrimination", "models": ["alpha", "beta"], "methods": ["gradcam", "guided-gradcam"], "questions": 4 },
                { "type": "trust", "models": ["alpha", "beta"], "methods": ["gradcam"], "questions": 1, "require_correct": false },
                { "type": "comparison", "models": ["alpha"], "methods": ["gradcam", "squadcam"], "questions": 2 }
              ],
              "attention_checks": [ { "after": 2, "prompt": "Choose Neither.", "answer": "Neither" } ],
              "completion": { "code": "ABC123", "redirect": "prolific" },
              "abandon_after_minutes": 60
            }
            """)!.AsObject();
        SaveStudy();
        AddModel("alpha", salt: 1);
        AddModel("beta", salt: 2);
        for (var i = 0; i < 8; i++)
        {
            var stem = $"scene_{i:D2}";
            Write($"images/{stem}.png", FakeEngine.Image(32, 32, (byte)i));
            var boxes = new List<(string, int, int, int, int)> { (Classes[i % 3], 1, 1, 20, 20) };
            if (i < 5)
            {
                boxes.Add((Classes[(i + 1) % 3], 22, 22, 30, 30));
            }
            Write($"annotations/{stem}.xml", Voc(stem, 32, 32, boxes));
        }
        Write("splits/test.txt", "scene_00\nscene_01\nscene_02\nscene_03\n");
    }

    public string Root { get; }
    public JsonObject Study { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public void Write(string relative, string text) => File.WriteAllText(PathOf(relative), text);

    public void Write(string relative, byte[] bytes) => File.WriteAllBytes(PathOf(relative), bytes);

    public void Delete(string relative) => File.Delete(PathOf(relative));

    public void SaveStudy() => Write("study.json", Study.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public void AddModel(string key, int salt, int width = 32, int height = 32, int classes = 3, int? metadataWidth = null)
    {
        Write($"models/{key}.onnx", FakeEngine.Model(width, height, classes, salt));
        Write($"models/{key}.json", JsonSerializer.Serialize(new
        {
            name = $"Model {key}",
            input = new { width = metadataWidth ?? width, height },
            accuracy = new { top1 = 0.75, n = 4, split = "test" },
        }));
    }

    public static string Voc(string stem, int width, int height, IEnumerable<(string Name, int XMin, int YMin, int XMax, int YMax)> boxes) =>
        $"""
        <annotation>
          <filename>{stem}.png</filename>
          <size><width>{width}</width><height>{height}</height><depth>3</depth></size>
        {string.Concat(boxes.Select(b => $"  <object><name>{b.Name}</name><bndbox><xmin>{b.XMin}</xmin><ymin>{b.YMin}</ymin><xmax>{b.XMax}</xmax><ymax>{b.YMax}</ymax></bndbox></object>\n"))}</annotation>
        """;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
