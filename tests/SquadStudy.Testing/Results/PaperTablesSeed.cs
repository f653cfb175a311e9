using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Testing.Results;

/// <summary>One cell of the seed report's Table 1 as tests/fixtures/stats/paper_tables.json holds it.</summary>
public sealed record PaperAccuracyCell(string Model, string Method, int Correct, int N, double Accuracy);

/// <summary>One row of Table 2: ResNet-50's score counts for −2 … +2 and the reference mean.</summary>
public sealed record PaperTrustRow(string Method, string Model, IReadOnlyList<int> Counts, int N, double Mean);

/// <summary>What <see cref="PaperTablesSeed"/> put into the database beside the paper's answers.</summary>
public sealed record PaperStudy(TestStudy Study, IReadOnlyList<PaperAccuracyCell> Table1, IReadOnlyList<PaperTrustRow> Table2,
    int ExtraWrongAnswers, string ExtraCellModel, string ExtraCellMethod);

/// <summary>
/// Puts the answers of the Squad-CAM report's Table 1 and Table 2 into the site's database, as participants would
/// have left them: the same stand-in figures as the statistics library's PaperTablesTests
/// (tests/fixtures/stats/paper_tables.json), so both agree. 90 participants answer 450 discrimination questions per
/// model × method cell and 300 trust questions per method (model A = VGG-16, model B = ResNet-50; the stored score
/// is model A's, so ResNet-50's Table 2 score s is stored as −s). Two more participants each answer
/// <see cref="ExtraAnswersPerParticipant"/> questions of the VGG-16 × Grad-CAM cell wrongly: one fails the attention
/// check, one answers in 300 ms; the study's exclusion rules (fail_attention, min_median_response_ms = 1000) remove
/// both, so the table's figures hold with exclusions and the cell grows by their answers without.
/// </summary>
public static class PaperTablesSeed
{
    public const string Slug = "squad-cam-tables";
    public const int Participants = 90;
    public const int ExtraAnswersPerParticipant = 10;
    public static readonly string[] Models = ["VGG-16", "ResNet-50"];
    public static readonly string[] Methods = ["Grad-CAM", "Guided Grad-CAM", "Squad-CAM"];

    /// <summary>
    /// A participant who completed a plan of these discrimination or trust stimuli followed by one attention check
    /// (answer "Neither"), enrolled and finished at <paramref name="at"/>; the caller adds the answers once the plan has ids.
    /// </summary>
    public static Participant CompletedParticipant(long studyId, string slug, int index, DateTime at, IReadOnlyList<long> stimuli)
    {
        var participant = new Participant
        {
            StudyId = studyId,
            Token = $"tok-{slug}-{index:D3}-{Guid.NewGuid():N}",
            WithdrawalCode = $"wd-{slug}-{index:D3}-{Guid.NewGuid():N}",
            Source = "direct",
            Status = ParticipantStatus.Completed,
            ConsentedUtc = at,
            LastSeenUtc = at,
            CompletedUtc = at,
            PlanLength = stimuli.Count + 1,
            CurrentPosition = stimuli.Count + 1,
        };
        participant.Plan.AddRange(stimuli.Select((id, position) => new PlanItem { Position = position, Kind = PlanItemKind.Question, StimulusId = id }));
        participant.Plan.Add(new PlanItem
        {
            Position = stimuli.Count, Kind = PlanItemKind.Attention,
            AttentionPrompt = "Choose \"Neither\".", AttentionAnswer = "Neither", AttentionOptions = "[\"Cat\",\"Neither\"]",
        });
        return participant;
    }

    public static JsonElement LoadFixture()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "stats", "paper_tables.json");
            if (File.Exists(candidate))
            {
                using var document = JsonDocument.Parse(File.ReadAllText(candidate));
                return document.RootElement.Clone();
            }
        }
        throw new FileNotFoundException($"tests/fixtures/stats/paper_tables.json not found above {AppContext.BaseDirectory}.");
    }

    public static async Task<PaperStudy> SeedAsync(SquadStudyWebFactory site, string slug = Slug)
    {
        var fixture = LoadFixture();
        var table1 = fixture.GetProperty("table1").EnumerateArray().Select(c => new PaperAccuracyCell(
            c.GetProperty("model").GetString()!, c.GetProperty("method").GetString()!, c.GetProperty("correct").GetInt32(),
            c.GetProperty("n").GetInt32(), c.GetProperty("accuracy").GetDouble())).ToList();
        var table2 = fixture.GetProperty("table2").EnumerateArray().Select(r => new PaperTrustRow(
            r.GetProperty("method").GetString()!, r.GetProperty("model").GetString()!,
            r.GetProperty("counts").EnumerateArray().Select(c => c.GetInt32()).ToList(),
            r.GetProperty("n").GetInt32(), r.GetProperty("mean").GetDouble())).ToList();

        var study = await site.AddStudyAsync(new TestStudyBuilder
        {
            Slug = slug,
            Title = "Squad-CAM report tables",
            Images = 5,
            ModelKeys = Models,
            DiscriminationModels = Models,
            DiscriminationMethods = Methods,
            TrustMethods = Methods,
            ComparisonMethods = ("Grad-CAM", "Squad-CAM"),
        });

        await site.WithDbAsync(async db =>
        {
            var row = await db.Studies.SingleAsync(s => s.Id == study.Id);
            using (var definition = JsonDocument.Parse(row.DefinitionJson))
            {
                var fields = definition.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value.Clone());
                fields["exclusions"] = new { fail_attention = true, min_median_response_ms = 1000 };
                row.DefinitionJson = JsonSerializer.Serialize(fields);
            }

            var models = await db.StudyModels.Where(m => m.StudyId == study.Id).ToDictionaryAsync(m => m.Key, m => m.Id);
            var stimuli = await db.Stimuli.Where(s => s.StudyId == study.Id).ToListAsync();
            var discrimination = stimuli.Where(s => s.Experiment == ExperimentKind.Discrimination)
                .ToLookup(s => (s.ModelAId, s.MethodA));
            var trust = stimuli.Where(s => s.Experiment == ExperimentKind.Trust).ToLookup(s => s.MethodA);

            var plans = Enumerable.Range(0, Participants + 2).Select(_ => new List<(Stimulus Stimulus, bool Correct, int? Score)>()).ToList();
            foreach (var cell in table1)
            {
                var cellStimuli = discrimination[(models[cell.Model], cell.Method)].ToList();
                for (var i = 0; i < cell.N; i++)
                {
                    // Correct answers spread over participants as in PaperTablesTests (i mod 90, shuffled by 7919).
                    plans[i % Participants].Add((cellStimuli[i % cellStimuli.Count], i * 7919 % cell.N < cell.Correct, null));
                }
            }
            foreach (var row2 in table2.Where(r => r.Model == "ResNet-50"))
            {
                var methodStimuli = trust[row2.Method].ToList();
                var i = 0;
                for (var score = -2; score <= 2; score++)
                {
                    for (var k = 0; k < row2.Counts[score + 2]; k++, i++)
                    {
                        plans[i % Participants].Add((methodStimuli[i % methodStimuli.Count], false, -score));
                    }
                }
            }
            var extraCell = discrimination[(models[Models[0]], Methods[0])].ToList();
            for (var extra = Participants; extra < Participants + 2; extra++)
            {
                for (var k = 0; k < ExtraAnswersPerParticipant; k++)
                {
                    plans[extra].Add((extraCell[k % extraCell.Count], false, null));
                }
            }

            var start = new DateTime(2026, 11, 1, 9, 0, 0, DateTimeKind.Utc);
            var participants = new List<Participant>();
            for (var p = 0; p < plans.Count; p++)
            {
                var participant = CompletedParticipant(study.Id, slug, p, start, plans[p].Select(q => q.Stimulus.Id).ToList());
                participants.Add(participant);
            }
            db.Participants.AddRange(participants);
            await db.SaveChangesAsync();

            // Answers refer to their plan items by id (no navigation), so they follow once the plans have ids.
            for (var p = 0; p < plans.Count; p++)
            {
                var participant = participants[p];
                var failsAttention = p == Participants;
                var responseMs = p == Participants + 1 ? 300 : 4000;
                foreach (var (item, position) in participant.Plan.Select((item, position) => (item, position)))
                {
                    var answer = item.Kind == PlanItemKind.Attention
                        ? (Choice: failsAttention ? "Cat" : "Neither", Correct: (bool?)!failsAttention, Score: (int?)null)
                        : plans[p][position].Score is { } s
                            ? (Choice: s.ToString(System.Globalization.CultureInfo.InvariantCulture), Correct: (bool?)null, Score: (int?)s)
                            : (Choice: plans[p][position].Correct ? "target" : "distractor", Correct: (bool?)plans[p][position].Correct, Score: (int?)null);
                    db.Answers.Add(new Answer
                    {
                        ParticipantId = participant.Id,
                        PlanItemId = item.Id,
                        Position = position,
                        StimulusId = item.StimulusId,
                        Choice = answer.Choice,
                        IsCorrect = answer.Correct,
                        Score = answer.Score,
                        ResponseMs = responseMs,
                        ShownUtc = start,
                        AnsweredUtc = start.AddMilliseconds(responseMs),
                    });
                }
            }
            await db.SaveChangesAsync();
            return 0;
        });
        return new PaperStudy(study, table1, table2, 2 * ExtraAnswersPerParticipant, Models[0], Methods[0]);
    }
}
