using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;

namespace SquadStudy.LoadTest;

/// <summary>
/// Checks the database against what the server acknowledged: every acknowledged (participant,
/// position) stored exactly once (lost = 0, duplicated = 0); optionally that each participant's
/// question page resumes at the position equal to the number of answers stored for them.
/// </summary>
public static class Verifier
{
    public static Task<int> VerifyAsync(IReadOnlyList<Uri> url, string dataDirectory, string slug, string logPath, bool checkResume, string? database = null) =>
        VerifyAsync(url, dataDirectory, slug, AckLog.Read(logPath), checkResume, database);

    /// <param name="database">The site's PostgreSQL connection string; null for the SQLite file in the data directory.</param>
    public static async Task<int> VerifyAsync(IReadOnlyList<Uri> url, string dataDirectory, string slug, AckLog log, bool checkResume, string? database = null)
    {
        var stored = new Dictionary<(string Token, int Position), int>();
        var planLengths = new Dictionary<string, int>();
        await using (var services = Seeder.Services(dataDirectory, database))
        await using (var scope = services.CreateAsyncScope())
        {
            var connection = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>().Database.GetDbConnection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT p.token, a.position, COUNT(*) FROM answers a
                JOIN participants p ON p.id = a.participant_id
                JOIN studies s ON s.id = p.study_id
                WHERE s.slug = @slug GROUP BY p.token, a.position;
                """;
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@slug";
            parameter.Value = slug;
            command.Parameters.Add(parameter);
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    stored[(reader.GetString(0), reader.GetInt32(1))] = Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            command.CommandText = "SELECT p.token, p.plan_length FROM participants p JOIN studies s ON s.id = p.study_id WHERE s.slug = @slug;";
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    planLengths[reader.GetString(0)] = reader.GetInt32(1);
                }
            }
        }

        var acknowledged = log.Answers.ToList();
        var distinctAcks = acknowledged.ToHashSet();
        var lost = distinctAcks.Count(a => !stored.ContainsKey(a));
        var duplicated = stored.Values.Sum(c => c - 1) + (acknowledged.Count - distinctAcks.Count);
        var tokens = log.Participants.ToHashSet();
        var unacknowledged = stored.Keys.Count(k => tokens.Contains(k.Token) && !distinctAcks.Contains(k));
        Console.WriteLine($"verify: {distinctAcks.Count} acknowledged answers, {stored.Count} stored for this study; lost {lost}, duplicated {duplicated}, " +
            $"stored but not acknowledged {unacknowledged} (a commit whose response never arrived)");
        var failed = lost > 0 || duplicated > 0;

        if (checkResume)
        {
            var wrong = 0;
            var checkedCount = 0;
            var answersPerToken = stored.Keys.GroupBy(k => k.Token).ToDictionary(g => g.Key, g => g.Count());
            foreach (var token in tokens)
            {
                if (!planLengths.TryGetValue(token, out var length))
                {
                    Console.WriteLine($"resume: participant {token[..6]}… is missing from the database");
                    wrong++;
                    continue;
                }
                var expected = answersPerToken.GetValueOrDefault(token);
                using var participant = new SimulatedParticipant(url, slug);
                participant.UseToken(token);
                var (form, location) = await participant.GetAsync(participant.QuestionPath, CancellationToken.None);
                var ok = form is QuestionForm f ? f.Position == expected : expected == length && location?.EndsWith("/done", StringComparison.Ordinal) == true;
                if (!ok)
                {
                    wrong++;
                    Console.WriteLine($"resume: participant {token[..6]}… shows {(form is QuestionForm g ? $"position {g.Position}" : location)}, expected position {expected}");
                }
                checkedCount++;
            }
            Console.WriteLine($"resume: {checkedCount} participants checked, {wrong} at a wrong position");
            failed |= wrong > 0;
        }
        Console.WriteLine(failed ? "RESULT: FAIL" : "RESULT: OK");
        return failed ? 1 : 0;
    }
}
