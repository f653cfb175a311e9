using System.Text.Json;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Testing;

/// <summary>An attention check of a synthetic study (study.json <c>attention_checks[]</c>).</summary>
public sealed record TestAttentionCheck(int After, string Prompt, string Answer);

/// <summary>What <see cref="TestStudyBuilder"/> inserted.</summary>
public sealed record TestStudy(long Id, string Slug, string CompletionCode, string PackDirectory, IReadOnlyList<string> ClassNames);

/// <summary>
/// Inserts a synthetic, fully precomputed study: models, images, tiny PNG explanations in the
/// content store, and stimuli of all three experiment types, as the pack import and precompute
/// worker would leave them. Every number is configurable; the defaults make a small open study.
/// </summary>
public sealed class TestStudyBuilder
{
    public static readonly string[] DefaultClassNames = ["cat", "dog", "bird", "car", "tree"];

    public string Slug { get; init; } = "test-study";
    public string Title { get; init; } = "A synthetic study";
    public string Status { get; init; } = StudyStatus.Open;
    public int Images { get; init; } = 12;
    public IReadOnlyList<string> ModelKeys { get; init; } = ["vgg", "weak"];
    /// <summary>Discrimination stimuli: every image × model × method.</summary>
    public IReadOnlyList<string> DiscriminationModels { get; init; } = ["vgg"];
    public IReadOnlyList<string> DiscriminationMethods { get; init; } = ["gradcam"];
    public int DiscriminationQuestions { get; init; } = 4;
    /// <summary>study.json <c>confidence</c> of the discrimination experiment (e.g. <c>new { levels = 4 }</c>); null = none asked.</summary>
    public object? DiscriminationConfidence { get; init; }
    /// <summary>Trust stimuli: every image × method, models A and B the first two models.</summary>
    public IReadOnlyList<string> TrustMethods { get; init; } = ["gradcam"];
    public int TrustQuestions { get; init; } = 3;
    /// <summary>Comparison stimuli: every image, the first model, these two methods.</summary>
    public (string A, string B) ComparisonMethods { get; init; } = ("gradcam", "squadcam");
    public int ComparisonQuestions { get; init; } = 2;
    /// <summary>
    /// Forward-simulation stimuli: every image × these models × methods, the target the model's prediction. Each
    /// model predicts the image's label except on every third image (<see cref="ModelIsWrong"/>), where it predicts
    /// another class; the distractor is then the label, else the next class.
    /// </summary>
    public IReadOnlyList<string> SimulationModels { get; init; } = ["vgg"];
    public IReadOnlyList<string> SimulationMethods { get; init; } = ["gradcam"];
    public int SimulationQuestions { get; init; }
    /// <summary>study.json <c>confidence</c> of the simulation experiment; null = none asked.</summary>
    public object? SimulationConfidence { get; init; }
    public IReadOnlyList<TestAttentionCheck> AttentionChecks { get; init; } = [new(3, "To show you are reading, choose \"Neither\" below.", "Neither")];
    public string CompletionCode { get; init; } = "C0MPL3TE";
    public string? Redirect { get; init; } = "prolific";
    public int AbandonAfterMinutes { get; init; } = 90;
    public string ConsentMarkdown { get; init; } = "# Consent\n\nYou will rate **explanations**. <script>alert('x')</script>";
    public string? InstructionsMarkdown { get; init; } = "Look at each picture *carefully*.";
    /// <summary>study.json <c>completion.screened_out</c> and <c>completion.no_code</c>.</summary>
    public string? ScreenedOutCode { get; init; }
    public string? NoCode { get; init; }
    public int? TimeLimitMinutes { get; init; }
    /// <summary>study.json <c>comprehension</c> (questions with prompt, options, answer, feedback; max_attempts), as JSON-serialisable objects.</summary>
    public object? Comprehension { get; init; }
    /// <summary>study.json <c>quality</c> thresholds.</summary>
    public object? Quality { get; init; }
    /// <summary>study.json <c>exclusions</c>.</summary>
    public object? Exclusions { get; init; }
    /// <summary>Consent and instructions in other languages (the pack's <c>consent.de.md</c> …), by language.</summary>
    public IReadOnlyList<StudyText> Texts { get; init; } = [];

    public async Task<TestStudy> BuildAsync(SquadStudyDbContext db, ContentStore store, CancellationToken cancellationToken = default)
    {
        var packDirectory = Path.Combine("packs", Slug);

        var experiments = new List<object>();
        if (DiscriminationQuestions > 0)
        {
            experiments.Add(new { type = ExperimentKind.Discrimination, models = DiscriminationModels, methods = DiscriminationMethods, questions = DiscriminationQuestions, confidence = DiscriminationConfidence });
        }
        if (TrustQuestions > 0)
        {
            experiments.Add(new { type = ExperimentKind.Trust, models = ModelKeys.Take(2), methods = TrustMethods, questions = TrustQuestions, require_correct = false });
        }
        if (ComparisonQuestions > 0)
        {
            experiments.Add(new { type = ExperimentKind.Comparison, models = ModelKeys.Take(1), methods = new[] { ComparisonMethods.A, ComparisonMethods.B }, questions = ComparisonQuestions });
        }
        if (SimulationQuestions > 0)
        {
            experiments.Add(new { type = ExperimentKind.Simulation, models = SimulationModels, methods = SimulationMethods, questions = SimulationQuestions, confidence = SimulationConfidence });
        }
        var definition = JsonSerializer.Serialize(new
        {
            slug = Slug,
            title = Title,
            models = ModelKeys,
            experiments,
            attention_checks = AttentionChecks.Select(c => new { after = c.After, prompt = c.Prompt, answer = c.Answer }),
            completion = new { code = CompletionCode, redirect = Redirect, screened_out = ScreenedOutCode, no_code = NoCode },
            abandon_after_minutes = AbandonAfterMinutes,
            time_limit_minutes = TimeLimitMinutes,
            comprehension = Comprehension,
            quality = Quality,
            exclusions = Exclusions,
        }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });

        var now = DateTime.UtcNow;
        var study = new Study
        {
            Slug = Slug,
            Title = Title,
            Status = Status,
            DefinitionJson = definition,
            ConsentMarkdown = ConsentMarkdown,
            InstructionsMarkdown = InstructionsMarkdown,
            CompletionCode = CompletionCode,
            Redirect = Redirect,
            AbandonAfterMinutes = AbandonAfterMinutes,
            PackDirectory = packDirectory,
            CreatedUtc = now,
            OpenedUtc = Status == StudyStatus.Open ? now : null,
        };
        study.Classes.AddRange(DefaultClassNames.Select((name, index) => new StudyClass { ClassIndex = index, Name = name }));
        study.Texts.AddRange(Texts.Select(t => new StudyText { Language = t.Language, ConsentMarkdown = t.ConsentMarkdown, InstructionsMarkdown = t.InstructionsMarkdown }));
        foreach (var key in ModelKeys)
        {
            study.Models.Add(new StudyModel
            {
                Key = key,
                DisplayName = key,
                OnnxPath = $"{packDirectory}/models/{key}.onnx",
                OnnxSha256 = new string('0', 64),
                MetadataJson = "{}",
            });
        }
        var seed = Math.Abs(Slug.GetHashCode(StringComparison.Ordinal) % 1000) * 100_000;
        for (var i = 0; i < Images; i++)
        {
            var png = TinyPng.Create(seed + i);
            var path = store.Put(png, "png");
            study.Images.Add(new StudyImage
            {
                Stem = $"img{i:D4}",
                FilePath = path,
                Sha256 = Path.GetFileNameWithoutExtension(path),
                Width = 4,
                Height = 4,
                LabelClass = i % DefaultClassNames.Length,
                BoxesJson = "[]",
            });
        }
        db.Studies.Add(study);
        await db.SaveChangesAsync(cancellationToken);

        var models = study.Models.ToDictionary(m => m.Key, m => m.Id);
        var methods = DiscriminationMethods.Concat(TrustMethods).Concat(SimulationMethods).Append(ComparisonMethods.A).Append(ComparisonMethods.B).Distinct().ToList();
        var counter = 0;
        foreach (var image in study.Images)
        {
            foreach (var model in study.Models)
            {
                foreach (var method in methods)
                {
                    var path = store.Put(TinyPng.Create(seed + 50_000 + counter++, 8, 8), "png");
                    db.Explanations.Add(new Explanation
                    {
                        StudyId = study.Id,
                        ImageId = image.Id,
                        ModelId = model.Id,
                        Method = method,
                        ClassIndex = image.LabelClass,
                        PngPath = path,
                        Sha256 = Path.GetFileNameWithoutExtension(path),
                        CreatedUtc = now,
                    });
                }
            }
            if (SimulationQuestions > 0)
            {
                var index = study.Images.IndexOf(image);
                var predicted = Predicted(index);
                foreach (var model in SimulationModels)
                {
                    db.Predictions.Add(new Prediction { ImageId = image.Id, ModelId = models[model], PredictedClass = predicted, Probability = 0.9, Top5Json = "[]" });
                    foreach (var method in SimulationMethods)
                    {
                        if (predicted != image.LabelClass)
                        {
                            // The explanation of the model's (wrong) answer.
                            var path = store.Put(TinyPng.Create(seed + 80_000 + counter++, 8, 8), "png");
                            db.Explanations.Add(new Explanation
                            {
                                StudyId = study.Id, ImageId = image.Id, ModelId = models[model], Method = method, ClassIndex = predicted,
                                PngPath = path, Sha256 = Path.GetFileNameWithoutExtension(path), CreatedUtc = now,
                            });
                        }
                        db.Stimuli.Add(new Stimulus
                        {
                            StudyId = study.Id, Experiment = ExperimentKind.Simulation, ImageId = image.Id, TargetClass = predicted,
                            DistractorClass = predicted != image.LabelClass ? image.LabelClass : (image.LabelClass + 1) % DefaultClassNames.Length,
                            ModelAId = models[model], MethodA = method,
                        });
                    }
                }
            }
            var distractor = (image.LabelClass + 1) % DefaultClassNames.Length;
            foreach (var model in DiscriminationModels)
            {
                foreach (var method in DiscriminationMethods)
                {
                    db.Stimuli.Add(new Stimulus
                    {
                        StudyId = study.Id, Experiment = ExperimentKind.Discrimination, ImageId = image.Id,
                        TargetClass = image.LabelClass, DistractorClass = distractor, ModelAId = models[model], MethodA = method,
                    });
                }
            }
            foreach (var method in TrustMethods)
            {
                db.Stimuli.Add(new Stimulus
                {
                    StudyId = study.Id, Experiment = ExperimentKind.Trust, ImageId = image.Id, TargetClass = image.LabelClass,
                    ModelAId = models[ModelKeys[0]], ModelBId = models[ModelKeys[1]], MethodA = method,
                });
            }
            db.Stimuli.Add(new Stimulus
            {
                StudyId = study.Id, Experiment = ExperimentKind.Comparison, ImageId = image.Id, TargetClass = image.LabelClass,
                ModelAId = models[ModelKeys[0]], MethodA = ComparisonMethods.A, MethodB = ComparisonMethods.B,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return new TestStudy(study.Id, Slug, CompletionCode, packDirectory, DefaultClassNames);
    }

    /// <summary>Whether the simulation's models are wrong on image <paramref name="index"/> (every third image).</summary>
    public static bool ModelIsWrong(int index) => index % 3 == 0;

    /// <summary>The class the simulation's models predict for image <paramref name="index"/> (whose label is index mod 5).</summary>
    public static int Predicted(int index) =>
        ModelIsWrong(index) ? (index % DefaultClassNames.Length + 2) % DefaultClassNames.Length : index % DefaultClassNames.Length;
}
