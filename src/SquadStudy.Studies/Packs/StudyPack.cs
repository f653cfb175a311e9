using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using SquadStudy.Data.Entities;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Studies;

/// <summary>A model of a validated pack.</summary>
public sealed record PackModel(string Key, string OnnxPath, string MetadataJson, ModelMetadata Metadata);

/// <summary>An image of a validated pack with its ground-truth boxes.</summary>
public sealed record PackImage(string Stem, string Path, int Width, int Height, IReadOnlyList<GroundTruthBox> Boxes, bool IsTest)
{
    /// <summary>The class of the largest box (docs/study-pack.md: the image's label); the first such box on a tie.</summary>
    public int LabelClass => Boxes.MaxBy(b => b.Area)!.Class;

    public IReadOnlyList<int> DistinctClasses => Boxes.Select(b => b.Class).Distinct().Order().ToArray();
}

/// <summary>The consent and instructions of a pack in one more language; null where that file is missing.</summary>
public sealed record PackText(string Language, string? ConsentMarkdown, string? InstructionsMarkdown);

/// <summary>
/// A study pack (docs/study-pack.md) read and validated in full: <see cref="Load"/> either returns
/// a pack that can be imported as it is, or throws <see cref="StudyPackException"/> listing every
/// problem, each with its file. A zipped pack is extracted to a temporary folder that
/// <see cref="Dispose"/> removes.
/// </summary>
public sealed partial class StudyPack : IDisposable
{
    public static IReadOnlyList<string> ExperimentTypes { get; } = [ExperimentKind.Discrimination, ExperimentKind.Trust, ExperimentKind.Comparison, ExperimentKind.Simulation];

    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];

    private readonly string? _temporary;

    /// <summary>Stems of every image file, valid or not, so that a broken image is reported once, not again by the experiments naming it.</summary>
    private readonly HashSet<string> _stemsOnDisk = new(StringComparer.Ordinal);

    private StudyPack(string source, string root, string? temporary)
    {
        Source = source;
        Root = root;
        _temporary = temporary;
    }

    /// <summary>The path given to <see cref="Load"/>.</summary>
    public string Source { get; }
    /// <summary>The folder the files are read from.</summary>
    public string Root { get; }
    public StudyDefinition Definition { get; private set; } = new();
    public string DefinitionJson { get; private set; } = "";
    public IReadOnlyList<string> Labels { get; private set; } = [];
    public string ConsentMarkdown { get; private set; } = "";
    public string? InstructionsMarkdown { get; private set; }
    /// <summary>The consent and instructions in the participant pages' other languages (<see cref="StudyLanguages.Supported"/>), where the pack has them.</summary>
    public IReadOnlyList<PackText> Translations { get; private set; } = [];
    /// <summary>What imports but deserves the researcher's eye: e.g. a language whose consent falls back to the pack's own.</summary>
    public IReadOnlyList<PackProblem> Warnings { get; private set; } = [];
    public IReadOnlyList<PackModel> Models { get; private set; } = [];
    public IReadOnlyList<PackImage> Images { get; private set; } = [];

    /// <summary>Reads and validates a pack folder or .zip; throws <see cref="StudyPackException"/> with every problem.</summary>
    public static StudyPack Load(string path, IExplanationEngine engine, PackLimits? limits = null)
    {
        limits ??= new PackLimits();
        var problems = new List<PackProblem>();
        var full = Path.GetFullPath(path);
        StudyPack pack;
        if (Directory.Exists(full))
        {
            pack = new StudyPack(full, full, null);
        }
        else if (File.Exists(full) && full.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            var temporary = Directory.CreateTempSubdirectory("squadstudy-pack-").FullName;
            var root = PackArchive.Extract(full, temporary, limits, problems);
            pack = new StudyPack(full, root, temporary);
        }
        else
        {
            throw new StudyPackException([new PackProblem(path, "is neither a folder nor a .zip file.")]);
        }
        try
        {
            if (problems.Count == 0)
            {
                pack.Validate(engine, limits, problems);
            }
            if (problems.Count > 0)
            {
                throw new StudyPackException(problems);
            }
            return pack;
        }
        catch
        {
            pack.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_temporary is not null && Directory.Exists(_temporary))
        {
            Directory.Delete(_temporary, recursive: true);
        }
    }

    [GeneratedRegex("^[a-z0-9-]{1,40}$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("^[a-z0-9-]+$")]
    private static partial Regex ModelIdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex StemPattern();

    private void Validate(IExplanationEngine engine, PackLimits limits, List<PackProblem> problems)
    {
        var definition = ReadDefinition(problems);
        Labels = ReadLabels(problems);
        if (definition is not null)
        {
            Definition = definition;
            ValidateDefinition(engine, problems);
            Models = ReadModels(engine, problems);
        }
        Images = ReadImages(engine, limits, problems);
        if (definition is not null)
        {
            ValidateExperimentImages(problems);
        }
    }

    private string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    private StudyDefinition? ReadDefinition(List<PackProblem> problems)
    {
        const string name = "study.json";
        if (!File.Exists(PathOf(name)))
        {
            problems.Add(new PackProblem(name, "is missing; every pack needs the study's design (docs/study-pack.md)."));
            return null;
        }
        DefinitionJson = File.ReadAllText(PathOf(name));
        return ParseJson<StudyDefinition>(name, DefinitionJson, problems);
    }

    private static T? ParseJson<T>(string name, string json, List<PackProblem> problems) where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize<T>(json, PackJson.Options);
            if (value is null)
            {
                problems.Add(new PackProblem(name, "is JSON null, not an object."));
            }
            return value;
        }
        catch (JsonException e)
        {
            // JsonException's line number is 0-based.
            problems.Add(new PackProblem(name, $"is not valid: {FirstSentence(e.Message)}", e.LineNumber is { } line ? (int)line + 1 : null));
            return null;
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private List<string> ReadLabels(List<PackProblem> problems)
    {
        const string name = "labels.txt";
        if (!File.Exists(PathOf(name)))
        {
            problems.Add(new PackProblem(name, "is missing; it names the models' classes, one per line."));
            return [];
        }
        var lines = File.ReadAllLines(PathOf(name)).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Length == 0)
            {
                problems.Add(new PackProblem(name, "has a blank line; every line must name a class.", i + 1));
            }
            else if (!seen.Add(lines[i]))
            {
                problems.Add(new PackProblem(name, $"names class '{lines[i]}' twice.", i + 1));
            }
        }
        if (lines.Count == 0)
        {
            problems.Add(new PackProblem(name, "names no classes."));
        }
        return lines;
    }

    private void ValidateDefinition(IExplanationEngine engine, List<PackProblem> problems)
    {
        const string name = "study.json";
        var d = Definition;
        if (!SlugPattern().IsMatch(d.Slug))
        {
            problems.Add(new PackProblem(name, $"slug '{d.Slug}' is invalid: use 1–40 characters of a–z, 0–9 and '-'."));
        }
        if (string.IsNullOrWhiteSpace(d.Title))
        {
            problems.Add(new PackProblem(name, "has no title."));
        }
        if (string.IsNullOrWhiteSpace(d.Consent))
        {
            problems.Add(new PackProblem(name, "names no consent file (\"consent\": \"consent.md\")."));
        }
        else if (ReadText(d.Consent, "the informed-consent text named by study.json", problems) is { } consent)
        {
            ConsentMarkdown = consent;
        }
        if (!string.IsNullOrWhiteSpace(d.Instructions))
        {
            InstructionsMarkdown = ReadText(d.Instructions, "the instructions named by study.json", problems);
        }
        if (!StudyLanguages.TagPattern().IsMatch(d.Language))
        {
            problems.Add(new PackProblem(name, $"language '{d.Language}' is not a language tag such as \"en\" or \"de\"."));
        }
        else
        {
            ReadTranslations(problems);
        }
        if (d.Completion is null || string.IsNullOrWhiteSpace(d.Completion.Code))
        {
            problems.Add(new PackProblem(name, "has no completion code (\"completion\": { \"code\": … })."));
        }
        else if (d.Completion.Redirect is { } redirect && redirect is not ("prolific" or "mturk")
            && !(Uri.TryCreate(redirect, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
        {
            problems.Add(new PackProblem(name, $"completion.redirect '{redirect}' is not prolific, mturk, an https:// URL or null."));
        }
        if (d.AbandonAfterMinutes <= 0)
        {
            problems.Add(new PackProblem(name, "abandon_after_minutes must be positive."));
        }
        problems.AddRange(d.ParticipantRuleProblems().Select(problem => new PackProblem(name, problem)));
        if (d.Models.Count == 0)
        {
            problems.Add(new PackProblem(name, "lists no models."));
        }
        foreach (var model in d.Models.Where(m => !ModelIdPattern().IsMatch(m)))
        {
            problems.Add(new PackProblem(name, $"model id '{model}' is invalid: use a–z, 0–9 and '-'."));
        }
        foreach (var duplicate in d.Models.GroupBy(m => m).Where(g => g.Count() > 1))
        {
            problems.Add(new PackProblem(name, $"lists model '{duplicate.Key}' twice."));
        }
        if (d.Experiments.Count == 0)
        {
            problems.Add(new PackProblem(name, "defines no experiments."));
        }
        for (var i = 0; i < d.Experiments.Count; i++)
        {
            var e = d.Experiments[i];
            var where = $"experiments[{i}] ({e.Type})";
            if (!ExperimentTypes.Contains(e.Type))
            {
                problems.Add(new PackProblem(name, $"experiments[{i}].type '{e.Type}' is not one of {string.Join(", ", ExperimentTypes)}."));
            }
            foreach (var model in e.Models.Where(m => !d.Models.Contains(m)))
            {
                problems.Add(new PackProblem(name, $"{where} refers to unknown model '{model}' (study models: {string.Join(", ", d.Models)})."));
            }
            foreach (var problem in e.Methods.Select(engine.MethodProblem).OfType<string>())
            {
                problems.Add(new PackProblem(name, $"{where}: {problem}."));
            }
            if (e.Models.Count == 0 || e.Methods.Count == 0)
            {
                problems.Add(new PackProblem(name, $"{where} needs at least one model and one method."));
            }
            if (e.Type == ExperimentKind.Trust && e.Models.Count != 2)
            {
                problems.Add(new PackProblem(name, $"{where} compares exactly two models; it lists {e.Models.Count}."));
            }
            if (e.Type == ExperimentKind.Comparison && e.Methods.Count < 2)
            {
                problems.Add(new PackProblem(name, $"{where} compares methods and needs at least two."));
            }
            if (e.Type == ExperimentKind.Simulation && Labels.Count < 2)
            {
                problems.Add(new PackProblem(name, $"{where} offers the model's prediction and another class; labels.txt must name at least two."));
            }
            if (e.Questions <= 0)
            {
                problems.Add(new PackProblem(name, $"{where} must ask at least one question."));
            }
        }
        foreach (var check in d.AttentionChecks.Where(c => c.After < 0 || string.IsNullOrWhiteSpace(c.Prompt) || string.IsNullOrWhiteSpace(c.Answer)))
        {
            problems.Add(new PackProblem(name, $"attention check after {check.After} needs a non-negative 'after', a prompt and an answer."));
        }
    }

    /// <summary>
    /// <c>consent.de.md</c> beside <c>consent.md</c> (and the same for the instructions) for every
    /// language of the participant pages but the pack's own; a missing file is a warning, since the
    /// participant then reads the pack's own text.
    /// </summary>
    private void ReadTranslations(List<PackProblem> problems)
    {
        var d = Definition;
        var translations = new List<PackText>();
        var warnings = new List<PackProblem>();
        string? Read(string? relative, string language, string what)
        {
            if (string.IsNullOrWhiteSpace(relative))
            {
                return null;
            }
            var localised = StudyLanguages.Localised(relative, language);
            if (!File.Exists(PathOf(localised)))
            {
                warnings.Add(new PackProblem(localised, $"is missing: participants who choose '{language}' read {relative} ({d.Language}) instead."));
                return null;
            }
            return ReadText(localised, $"the {what} in '{language}'", problems);
        }
        foreach (var language in StudyLanguages.Supported.Where(l => l != d.Language))
        {
            var consent = Read(d.Consent, language, "informed-consent text");
            var instructions = Read(d.Instructions, language, "instructions");
            if (consent is not null || instructions is not null)
            {
                translations.Add(new PackText(language, consent, instructions));
            }
        }
        Translations = translations;
        Warnings = warnings;
    }

    private string? ReadText(string relative, string what, List<PackProblem> problems)
    {
        var full = Path.GetFullPath(PathOf(relative));
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            problems.Add(new PackProblem("study.json", $"'{relative}' points outside the pack."));
            return null;
        }
        if (!File.Exists(full))
        {
            problems.Add(new PackProblem(relative, $"is missing ({what})."));
            return null;
        }
        return File.ReadAllText(full);
    }

    private List<PackModel> ReadModels(IExplanationEngine engine, List<PackProblem> problems)
    {
        var models = new List<PackModel>();
        foreach (var key in Definition.Models.Where(m => ModelIdPattern().IsMatch(m)).Distinct())
        {
            var jsonName = $"models/{key}.json";
            var onnxName = $"models/{key}.onnx";
            ModelMetadata? metadata = null;
            string? json = null;
            if (!File.Exists(PathOf(jsonName)))
            {
                problems.Add(new PackProblem(jsonName, $"is missing (metadata of model '{key}')."));
            }
            else
            {
                json = File.ReadAllText(PathOf(jsonName));
                metadata = ParseJson<ModelMetadata>(jsonName, json, problems);
                if (metadata is not null)
                {
                    ValidateMetadata(jsonName, metadata, problems);
                }
            }
            if (!File.Exists(PathOf(onnxName)))
            {
                problems.Add(new PackProblem(onnxName, $"is missing (the ONNX file of model '{key}')."));
                continue;
            }
            if (metadata is null || json is null)
            {
                continue;
            }
            try
            {
                using var model = engine.LoadModel(PathOf(onnxName), metadata);
                if (metadata.Input is { } input && (model.InputWidth != input.Width || model.InputHeight != input.Height))
                {
                    problems.Add(new PackProblem(onnxName, $"takes {model.InputWidth}×{model.InputHeight} images but {jsonName} says input {input.Width}×{input.Height}."));
                }
                if (Labels.Count > 0 && model.ClassCount != Labels.Count)
                {
                    problems.Add(new PackProblem(onnxName, $"has {model.ClassCount} outputs but labels.txt names {Labels.Count} classes."));
                }
            }
            catch (EngineInputException e)
            {
                problems.Add(new PackProblem(onnxName, $"can not be loaded: {e.Message}"));
                continue;
            }
            models.Add(new PackModel(key, PathOf(onnxName), json, metadata));
        }
        return models;
    }

    private static void ValidateMetadata(string name, ModelMetadata metadata, List<PackProblem> problems)
    {
        if (metadata.Input is { } input && (input.Width <= 0 || input.Height <= 0))
        {
            problems.Add(new PackProblem(name, $"input {input.Width}×{input.Height} is not a positive size."));
        }
        if (metadata.Mean is { Length: not 3 })
        {
            problems.Add(new PackProblem(name, "mean must have three values (R, G, B)."));
        }
        if (metadata.Std is { } std && (std.Length != 3 || std.Any(s => !(s > 0))))
        {
            problems.Add(new PackProblem(name, "std must have three positive values (R, G, B)."));
        }
        if (metadata.Accuracy is { } accuracy && accuracy.Top1 is < 0 or > 1)
        {
            problems.Add(new PackProblem(name, $"accuracy.top1 {accuracy.Top1} is not between 0 and 1."));
        }
    }

    private List<PackImage> ReadImages(IExplanationEngine engine, PackLimits limits, List<PackProblem> problems)
    {
        var folder = PathOf("images");
        if (!Directory.Exists(folder))
        {
            problems.Add(new PackProblem("images/", "is missing; a pack needs study images."));
            return [];
        }
        var files = Directory.EnumerateFiles(folder)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            problems.Add(new PackProblem("images/", "holds no .jpg or .png images."));
        }
        _stemsOnDisk.UnionWith(files.Select(f => Path.GetFileNameWithoutExtension(f)));
        var testStems = ReadTestSplit(problems);
        var labelIndex = Labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var images = new List<PackImage>();
        foreach (var group in files.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.OrdinalIgnoreCase))
        {
            var stem = group.Key;
            if (group.Count() > 1)
            {
                problems.Add(new PackProblem($"images/{stem}.*", $"stem '{stem}' is used by {string.Join(", ", group.Select(Path.GetFileName))}; stems must be unique."));
                continue;
            }
            var file = group.Single();
            var imageName = $"images/{Path.GetFileName(file)}";
            if (!StemPattern().IsMatch(stem))
            {
                problems.Add(new PackProblem(imageName, $"stem '{stem}' may only hold A–Z, a–z, 0–9, '_' and '-'."));
                continue;
            }
            DecodedImage? decoded = null;
            try
            {
                decoded = engine.Decode(File.ReadAllBytes(file), imageName);
            }
            catch (EngineInputException e)
            {
                problems.Add(new PackProblem(imageName, $"can not be decoded: {e.Message}"));
            }
            var boxes = ReadAnnotation(stem, labelIndex, limits, problems, decoded);
            if (decoded is not null && boxes is not null)
            {
                images.Add(new PackImage(stem, file, decoded.Width, decoded.Height, boxes, testStems.Contains(stem)));
            }
        }
        foreach (var stem in testStems.Where(s => !files.Any(f => Path.GetFileNameWithoutExtension(f) == s)))
        {
            problems.Add(new PackProblem("splits/test.txt", $"names '{stem}', which has no image in images/."));
        }
        return images;
    }

    private HashSet<string> ReadTestSplit(List<PackProblem> problems)
    {
        var path = PathOf("splits/test.txt");
        if (!File.Exists(path))
        {
            return [];
        }
        return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
    }

    private List<GroundTruthBox>? ReadAnnotation(string stem, Dictionary<string, int> labelIndex, PackLimits limits, List<PackProblem> problems, DecodedImage? image)
    {
        var name = $"annotations/{stem}.xml";
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            problems.Add(new PackProblem(name, $"is missing (the boxes of images/{stem})."));
            return null;
        }
        if (new FileInfo(path).Length > limits.MaxAnnotationBytes)
        {
            problems.Add(new PackProblem(name, $"is larger than {limits.MaxAnnotationBytes} bytes."));
            return null;
        }
        XDocument document;
        try
        {
            // No DTDs: a pack is untrusted input (entity expansion).
            using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            problems.Add(new PackProblem(name, $"is not well-formed XML: {e.Message}", e.LineNumber > 0 ? e.LineNumber : null));
            return null;
        }
        var count = problems.Count;
        var root = document.Root!;
        var size = root.Element("size");
        var width = ReadInt(size?.Element("width"), name, "size/width", problems);
        var height = ReadInt(size?.Element("height"), name, "size/height", problems);
        if (image is not null && width is { } w && height is { } h && (w != image.Width || h != image.Height))
        {
            problems.Add(new PackProblem(name, $"says the image is {w}×{h} but images/{stem} is {image.Width}×{image.Height}.", Line(size)));
        }
        var boxes = new List<GroundTruthBox>();
        foreach (var obj in root.Elements("object"))
        {
            var className = obj.Element("name")?.Value.Trim();
            if (string.IsNullOrEmpty(className))
            {
                problems.Add(new PackProblem(name, "has an <object> without a <name>.", Line(obj)));
                continue;
            }
            if (!labelIndex.TryGetValue(className, out var classIndex))
            {
                // Without labels.txt (already reported) every class would be unknown: say it once.
                if (labelIndex.Count == 0)
                {
                    continue;
                }
                problems.Add(new PackProblem(name, $"names class '{className}', which labels.txt does not list.", Line(obj)));
                continue;
            }
            var box = obj.Element("bndbox");
            var xmin = ReadInt(box?.Element("xmin"), name, "bndbox/xmin", problems, obj);
            var ymin = ReadInt(box?.Element("ymin"), name, "bndbox/ymin", problems, obj);
            var xmax = ReadInt(box?.Element("xmax"), name, "bndbox/xmax", problems, obj);
            var ymax = ReadInt(box?.Element("ymax"), name, "bndbox/ymax", problems, obj);
            if (xmin is not { } x0 || ymin is not { } y0 || xmax is not { } x1 || ymax is not { } y1)
            {
                continue;
            }
            if (x0 > x1 || y0 > y1)
            {
                problems.Add(new PackProblem(name, $"box of '{className}' ({x0},{y0})–({x1},{y1}) is inverted (xmin > xmax or ymin > ymax).", Line(box)));
                continue;
            }
            var imageWidth = image?.Width ?? width;
            var imageHeight = image?.Height ?? height;
            if (x0 < 1 || y0 < 1 || (imageWidth is { } iw && x1 > iw) || (imageHeight is { } ih && y1 > ih))
            {
                problems.Add(new PackProblem(name, $"box of '{className}' ({x0},{y0})–({x1},{y1}) lies outside the {imageWidth}×{imageHeight} image (VOC boxes are 1-based, inclusive).", Line(box)));
                continue;
            }
            boxes.Add(new GroundTruthBox(classIndex, x0, y0, x1, y1));
        }
        if (boxes.Count == 0 && problems.Count == count && labelIndex.Count > 0)
        {
            problems.Add(new PackProblem(name, "has no <object> boxes; every image needs at least one (its label)."));
        }
        return problems.Count == count ? boxes : null;
    }

    private static int? Line(XElement? element) => element is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : null;

    private static int? ReadInt(XElement? element, string file, string what, List<PackProblem> problems, XElement? context = null)
    {
        if (element is null)
        {
            problems.Add(new PackProblem(file, $"lacks <{what}>.", Line(context)));
            return null;
        }
        // VOC files written by some tools hold "12.0"; a fractional pixel is rounded down.
        if (double.TryParse(element.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && Math.Abs(value) < int.MaxValue)
        {
            return (int)Math.Floor(value);
        }
        problems.Add(new PackProblem(file, $"<{what}> '{element.Value}' is not a number.", Line(element)));
        return null;
    }

    private void ValidateExperimentImages(List<PackProblem> problems)
    {
        var byStem = Images.ToDictionary(i => i.Stem, StringComparer.Ordinal);
        for (var i = 0; i < Definition.Experiments.Count; i++)
        {
            var e = Definition.Experiments[i];
            var where = $"experiments[{i}] ({e.Type})";
            foreach (var stem in (e.Images ?? []).Where(s => !_stemsOnDisk.Contains(s)))
            {
                problems.Add(new PackProblem("study.json", $"{where} names image '{stem}', which is not in images/."));
            }
            var candidates = e.Images is null ? Images : e.Images.Where(byStem.ContainsKey).Select(s => byStem[s]).ToList();
            // Discrimination stimuli are known now; trust, comparison and simulation depend on the predictions,
            // so only their upper bound (every image) is checked here and the exact count at opening.
            var available = e.Type == ExperimentKind.Discrimination
                ? candidates.Where(c => c.DistinctClasses.Count >= 2).Sum(c => c.DistinctClasses.Count) * e.Models.Count * e.Methods.Count
                : e.Type == ExperimentKind.Trust ? candidates.Count * e.Methods.Count
                : e.Type == ExperimentKind.Simulation ? candidates.Count * e.Models.Count * e.Methods.Count
                : candidates.Count * e.Models.Count * (e.Methods.Count * (e.Methods.Count - 1) / 2);
            if (e.Questions > available && problems.Count == 0)
            {
                problems.Add(new PackProblem("study.json", $"{where} asks {e.Questions} questions but the pack yields at most {available} stimuli for it."));
            }
        }
    }
}
