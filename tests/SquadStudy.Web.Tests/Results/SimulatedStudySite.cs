using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Testing.Results;

namespace SquadStudy.Web.Tests.Results;

/// <summary>One simulated answer, as the reference fits read it.</summary>
public sealed record SimulatedAnswer(int Participant, int Image, string Method, string Model, bool Correct)
{
    /// <summary>
    /// Answers from the logistic mixed model logit P(correct) = β₀ + β_squadcam + β_weak + β_squadcam·weak
    /// + u_participant + v_image, u, v ~ N(0, <paramref name="sd"/>²) (Box–Muller from <paramref name="random"/>):
    /// every participant answers every image once, method and model balanced over participants and images.
    /// <paramref name="effects"/> in the scripts' term names; methods[1] is squadcam, models[1] weak.
    /// </summary>
    public static List<SimulatedAnswer> Draw(Random random, int participants, int images, double sd,
        IReadOnlyDictionary<string, double> effects, string[] methods, string[] models)
    {
        double Normal() => sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var u = Enumerable.Range(0, participants).Select(_ => Normal()).ToArray();
        var v = Enumerable.Range(0, images).Select(_ => Normal()).ToArray();
        var answers = new List<SimulatedAnswer>();
        for (int p = 0; p < participants; p++)
        {
            for (int i = 0; i < images; i++)
            {
                string method = methods[(p + i) % 2], model = models[(p / 2 + i) % 2];
                double eta = effects["(Intercept)"] + u[p] + v[i]
                    + (method == "squadcam" ? effects["method[squadcam]"] : 0)
                    + (model == "weak" ? effects["model[weak]"] : 0)
                    + (method == "squadcam" && model == "weak" ? effects["method[squadcam]:model[weak]"] : 0);
                answers.Add(new SimulatedAnswer(p, i, method, model, random.NextDouble() < 1 / (1 + Math.Exp(-eta))));
            }
        }
        return answers;
    }
}

/// <summary>
/// A study whose discrimination answers come from a known logistic mixed model, seeded once into the site's database:
/// logit P(correct) = β₀ + β_squadcam + β_weak + β_squadcam·weak + u_participant + v_image, u, v ~ N(0, σ²). Each of
/// <see cref="Participants"/> kept participants answers every one of <see cref="Images"/> images once, with model and
/// method balanced over participants and images. <see cref="ExcludedParticipants"/> more fail the attention check and
/// answer everything wrongly: the study excludes them (fail_attention), so a script that keeps them is off.
/// </summary>
public sealed class SimulatedStudySite : SquadStudyWebFactory, IAsyncLifetime
{
    public const string Slug = "simulated";
    public const int Participants = 60;
    public const int Images = 40;
    public const int ExcludedParticipants = 6;
    public const double RandomSd = 0.7;
    public static readonly string[] Methods = ["gradcam", "squadcam"];
    public static readonly string[] Models = ["vgg", "weak"];

    /// <summary>The true fixed effects in the scripts' term names.</summary>
    public static readonly IReadOnlyDictionary<string, double> TrueEffects = new Dictionary<string, double>
    {
        ["(Intercept)"] = 0.8,
        ["method[squadcam]"] = 1.0,
        ["model[weak]"] = -1.2,
        ["method[squadcam]:model[weak]"] = 0.6,
    };

    /// <summary>The kept participants' answers, in the seed's own numbering (not the export's anonymous ids).</summary>
    public IReadOnlyList<SimulatedAnswer> KeptAnswers { get; private set; } = [];

    public async Task InitializeAsync()
    {
        CreateClient().Dispose();
        var study = await AddStudyAsync(new TestStudyBuilder
        {
            Slug = Slug,
            Images = Images,
            ModelKeys = Models,
            DiscriminationModels = Models,
            DiscriminationMethods = Methods,
            TrustQuestions = 0,
            ComparisonQuestions = 0,
        });
        var random = new Random(2026);
        var kept = SimulatedAnswer.Draw(random, Participants, Images, RandomSd, TrueEffects, Methods, Models);
        var excluded = Enumerable.Range(Participants, ExcludedParticipants)
            .SelectMany(p => Enumerable.Range(0, Images).Select(i => new SimulatedAnswer(p, i, Methods[i % 2], Models[i / 2 % 2], false)));
        KeptAnswers = kept;

        await WithDbAsync(async db =>
        {
            var row = await db.Studies.SingleAsync(s => s.Id == study.Id);
            var fields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(row.DefinitionJson)!
                .ToDictionary(f => f.Key, f => (object)f.Value);
            fields["exclusions"] = new { fail_attention = true };
            row.DefinitionJson = JsonSerializer.Serialize(fields);

            var images = await db.StudyImages.Where(x => x.StudyId == study.Id).ToDictionaryAsync(x => x.Stem, x => x.Id);
            var models = await db.StudyModels.Where(m => m.StudyId == study.Id).ToDictionaryAsync(m => m.Id, m => m.Key);
            var stimuli = (await db.Stimuli.Where(s => s.StudyId == study.Id && s.Experiment == ExperimentKind.Discrimination).ToListAsync())
                .ToDictionary(s => (s.ImageId, models[s.ModelAId], s.MethodA));
            var start = new DateTime(2026, 11, 1, 9, 0, 0, DateTimeKind.Utc);
            foreach (var answers in kept.Concat(excluded).GroupBy(a => a.Participant))
            {
                var plan = answers.Select(a => (Answer: a, Stimulus: stimuli[(images[$"img{a.Image:D4}"], a.Model, a.Method)])).ToList();
                bool failsAttention = answers.Key >= Participants;
                var participant = PaperTablesSeed.CompletedParticipant(study.Id, Slug, answers.Key, start, plan.Select(q => q.Stimulus.Id).ToList());
                db.Participants.Add(participant);
                await db.SaveChangesAsync();
                foreach (var item in participant.Plan)
                {
                    bool attention = item.Kind == PlanItemKind.Attention;
                    bool correct = attention ? !failsAttention : plan[item.Position].Answer.Correct;
                    db.Answers.Add(new Answer
                    {
                        ParticipantId = participant.Id, PlanItemId = item.Id, Position = item.Position, StimulusId = item.StimulusId,
                        Choice = attention ? (failsAttention ? "Cat" : "Neither") : correct ? "0" : "1",
                        IsCorrect = correct, ResponseMs = 4000, ShownUtc = start, AnsweredUtc = start.AddSeconds(4),
                    });
                }
            }
            await db.SaveChangesAsync();
            return 0;
        });
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}
