using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Studies;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Web.Tests.Research;

/// <summary>The ids of a seeded study's rows.</summary>
public sealed record SeededStudy(long StudyId, long VggId, long WeakId, long Image1Id, long Image2Id,
    long DiscriminationId, long TrustId, long ComparisonId, long ExplanationId);

/// <summary>
/// Minimal rows for the researcher pages: a study with two models, two images, one stimulus per
/// experiment, and (on request) participants with answers. Written straight to the database, as the
/// importer and the participant pages would.
/// </summary>
public static class ResearchSeed
{
    public const string MaliciousPid = "=HYPERLINK(\"http://evil.example\",\"click\")";

    public static async Task<SeededStudy> StudyAsync(ResearchSiteFactory site, string slug, string status = StudyStatus.Ready,
        string? precompute = PrecomputeStatus.Done, bool withStimuli = true)
    {
        var pack = Path.Combine("packs", slug);
        var store = new ContentStore(site.DataDirectory);
        var imagePath = store.Put("not really a png"u8, "png");

        return await site.WithDbAsync(async db =>
        {
            var study = new Study
            {
                Slug = slug,
                Title = $"Study {slug}",
                Status = status,
                DefinitionJson = """{"slug":"x","exclusions":{"min_median_response_ms":800,"fail_attention":true}}""",
                ConsentMarkdown = "You agree.",
                CompletionCode = "C0DE",
                PackDirectory = pack,
                CreatedUtc = DateTime.UtcNow,
                DeclineCount = 3,
                WithdrawalCount = 2,
                Classes = [new() { ClassIndex = 0, Name = "cat" }, new() { ClassIndex = 1, Name = "dog" }, new() { ClassIndex = 2, Name = "bird" }],
            };
            db.Studies.Add(study);
            await db.SaveChangesAsync();
            var vgg = new StudyModel { StudyId = study.Id, Key = "vgg", DisplayName = "VGG", OnnxPath = "m/vgg.onnx", OnnxSha256 = new string('a', 64), MetadataJson = "{}" };
            var weak = new StudyModel { StudyId = study.Id, Key = "weak", DisplayName = "Weak", OnnxPath = "m/weak.onnx", OnnxSha256 = new string('b', 64), MetadataJson = "{}" };
            var image1 = new StudyImage
            {
                StudyId = study.Id, Stem = "scene_0001", FilePath = imagePath, Sha256 = new string('c', 64), Width = 200, Height = 100, LabelClass = 0,
                BoxesJson = """[{"class":0,"xmin":1,"ymin":1,"xmax":100,"ymax":50},{"class":1,"xmin":101,"ymin":51,"xmax":200,"ymax":100}]""",
            };
            var image2 = new StudyImage
            {
                StudyId = study.Id, Stem = "scene_0002", FilePath = imagePath, Sha256 = new string('d', 64), Width = 100, Height = 100, LabelClass = 1,
                BoxesJson = """[{"class":1,"xmin":11,"ymin":21,"xmax":60,"ymax":80}]""",
            };
            db.AddRange(vgg, weak, image1, image2);
            await db.SaveChangesAsync();
            db.Predictions.AddRange(
                new Prediction { ImageId = image1.Id, ModelId = vgg.Id, PredictedClass = 0, Probability = 0.9, Top5Json = "[]" },
                new Prediction { ImageId = image1.Id, ModelId = weak.Id, PredictedClass = 2, Probability = 0.4, Top5Json = "[]" },
                new Prediction { ImageId = image2.Id, ModelId = vgg.Id, PredictedClass = 1, Probability = 0.8, Top5Json = "[]" });
            var explanation = new Explanation
            {
                StudyId = study.Id, ImageId = image1.Id, ModelId = vgg.Id, Method = "gradcam", ClassIndex = 0, PngPath = imagePath, Sha256 = new string('e', 64),
                MetricsJson = SeedMetrics(),
                CreatedUtc = DateTime.UtcNow,
            };
            db.Explanations.AddRange(explanation,
                new Explanation { StudyId = study.Id, ImageId = image1.Id, ModelId = weak.Id, Method = "gradcam", ClassIndex = 0, PngPath = imagePath, Sha256 = new string('f', 64), CreatedUtc = DateTime.UtcNow },
                new Explanation { StudyId = study.Id, ImageId = image2.Id, ModelId = vgg.Id, Method = "squadcam", ClassIndex = 1, PngPath = imagePath, Sha256 = new string('0', 64), CreatedUtc = DateTime.UtcNow });
            if (precompute is not null)
            {
                db.PrecomputeJobs.Add(new PrecomputeJob { StudyId = study.Id, Status = precompute, Total = 6, Completed = precompute == PrecomputeStatus.Done ? 6 : 2, UpdatedUtc = DateTime.UtcNow });
            }
            var discrimination = new Stimulus { StudyId = study.Id, Experiment = ExperimentKind.Discrimination, ImageId = image1.Id, TargetClass = 0, DistractorClass = 1, ModelAId = vgg.Id, MethodA = "gradcam" };
            var trust = new Stimulus { StudyId = study.Id, Experiment = ExperimentKind.Trust, ImageId = image1.Id, TargetClass = 0, ModelAId = vgg.Id, ModelBId = weak.Id, MethodA = "gradcam" };
            var comparison = new Stimulus { StudyId = study.Id, Experiment = ExperimentKind.Comparison, ImageId = image2.Id, TargetClass = 1, ModelAId = vgg.Id, MethodA = "gradcam", MethodB = "squadcam" };
            if (withStimuli)
            {
                db.Stimuli.AddRange(discrimination, trust, comparison);
            }
            await db.SaveChangesAsync();
            return new SeededStudy(study.Id, vgg.Id, weak.Id, image1.Id, image2.Id, discrimination.Id, trust.Id, comparison.Id, explanation.Id);
        });
    }

    /// <summary>
    /// Two participants: a Prolific one with a formula as PID who answers every experiment and fails
    /// the attention check, and a direct one who completes one correct discrimination answer.
    /// </summary>
    public static async Task ParticipantsAsync(ResearchSiteFactory site, SeededStudy seeded)
    {
        await site.WithDbAsync(async db =>
        {
            var t0 = new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
            var prolific = new Participant
            {
                StudyId = seeded.StudyId, Token = "secret-token-1", WithdrawalCode = "W1", Source = "prolific",
                ProlificPid = MaliciousPid, ProlificStudyId = "STUDY1", ProlificSessionId = "SESSION1",
                Status = ParticipantStatus.Active, PlanLength = 4, CurrentPosition = 4, ConsentedUtc = t0, LastSeenUtc = t0.AddMinutes(5),
            };
            var direct = new Participant
            {
                StudyId = seeded.StudyId, Token = "secret-token-2", WithdrawalCode = "W2", Source = "direct",
                Status = ParticipantStatus.Completed, PlanLength = 1, CurrentPosition = 1, ConsentedUtc = t0, LastSeenUtc = t0.AddMinutes(2), CompletedUtc = t0.AddMinutes(2),
            };
            db.Participants.AddRange(prolific, direct);
            await db.SaveChangesAsync();

            var items = new[]
            {
                new PlanItem { ParticipantId = prolific.Id, Position = 0, Kind = PlanItemKind.Question, StimulusId = seeded.DiscriminationId, Swapped = true },
                new PlanItem { ParticipantId = prolific.Id, Position = 1, Kind = PlanItemKind.Question, StimulusId = seeded.TrustId, Swapped = false },
                new PlanItem { ParticipantId = prolific.Id, Position = 2, Kind = PlanItemKind.Attention, AttentionPrompt = "Choose Neither", AttentionAnswer = "Neither" },
                new PlanItem { ParticipantId = prolific.Id, Position = 3, Kind = PlanItemKind.Question, StimulusId = seeded.ComparisonId, Swapped = true },
                new PlanItem { ParticipantId = direct.Id, Position = 0, Kind = PlanItemKind.Question, StimulusId = seeded.DiscriminationId, Swapped = false },
            };
            db.PlanItems.AddRange(items);
            await db.SaveChangesAsync();
            Answer Make(PlanItem item, string choice, bool? correct, int? score, int ms) => new()
            {
                ParticipantId = item.ParticipantId, PlanItemId = item.Id, Position = item.Position, StimulusId = item.StimulusId,
                Choice = choice, IsCorrect = correct, Score = score, ResponseMs = ms,
                ShownUtc = t0.AddSeconds(10 * item.Position), AnsweredUtc = t0.AddSeconds(10 * item.Position).AddMilliseconds(ms),
            };
            db.Answers.AddRange(
                Make(items[0], "0", true, null, 1500),
                Make(items[1], "-2", null, -2, 2500),
                Make(items[2], "Both", false, null, 900),
                Make(items[3], "B", null, -1, 3000),
                Make(items[4], "0", true, null, 2000));
            await db.SaveChangesAsync();
        });
    }

    /// <summary>
    /// Metrics in the shape precompute writes (<see cref="ExplanationMetricsJson"/>): a localisation box of
    /// 0-based pixels x 0…49, y 0…99 (the left quarter of a 200 × 100 image). Two more top-level
    /// numbers let the results tests check that every numeric field is averaged as it is named.
    /// </summary>
    private static string SeedMetrics()
    {
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(ExplanationMetricsJson.Serialize(new ExplanationMetrics([0, 0, 49, 99], null, null, null, null, null, null)))!.AsObject();
        metrics["pointing_hit"] = true;
        metrics["average_drop"] = 12.5;
        return metrics.ToJsonString();
    }
}
