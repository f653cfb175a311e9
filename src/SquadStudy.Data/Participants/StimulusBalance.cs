using System.Data.Common;
using static SquadStudy.Data.Participants.SqlCommands;

namespace SquadStudy.Data.Participants;

/// <summary>
/// The balance counts of the stimuli, and the only code that changes them (DESIGN "Assignment"):
/// <c>assigned_count</c> is how many live plans hold a stimulus (reserved at enrolment and on
/// resuming, given back on abandonment and withdrawal), <c>answered_count</c> how many answers were
/// recorded for it (counted with the answer, given back on withdrawal). Every method runs inside
/// the caller's write transaction, so the counts change exactly when the rows they count do.
/// </summary>
/// <remarks>
/// Each statement touches a stimulus at most once per call (<c>IN</c> over a set): a plan never
/// holds one stimulus twice, and the enrolment passes distinct ids.
/// </remarks>
public sealed class StimulusBalance(DbConnection connection) : IDisposable
{
    private DbCommand? countAnswer;

    /// <summary>The study's stimuli with their assigned counts, what <see cref="Enrolment.DrawPlan"/> balances on.</summary>
    public async Task<IReadOnlyList<StimulusSlot>> SlotsAsync(DbTransaction transaction, long studyId, CancellationToken cancellationToken)
    {
        var slots = new List<StimulusSlot>();
        await using var read = Create(connection, transaction,
            "SELECT id, experiment, image_id, assigned_count FROM stimuli WHERE study_id = @study ORDER BY id", ("@study", studyId));
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            slots.Add(new StimulusSlot(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3)));
        }
        return slots;
    }

    /// <summary>One more answer for the stimulus (kept prepared: it runs with every answer).</summary>
    public Task CountAnswerAsync(DbTransaction transaction, long stimulusId, CancellationToken cancellationToken) =>
        ExecuteAsync(Kept(connection, ref countAnswer, "UPDATE stimuli SET answered_count = answered_count + 1 WHERE id = @stimulus"),
            transaction, cancellationToken, ("@stimulus", stimulusId));

    /// <summary>A new plan holds these (distinct) stimuli.</summary>
    public Task ReserveAsync(DbTransaction transaction, IReadOnlyList<long> stimulusIds, CancellationToken cancellationToken) =>
        ExecuteRowsAsync(connection, transaction, "UPDATE stimuli SET assigned_count = assigned_count + 1 WHERE id IN (", "@id{0}", ", ", ")",
            stimulusIds.Select(id => new object?[] { id }).ToList(), cancellationToken);

    /// <summary>A resumed plan holds its unanswered stimuli (positions from <paramref name="position"/> on) again.</summary>
    public Task ReserveRemainingAsync(DbTransaction transaction, long participantId, int position, CancellationToken cancellationToken) =>
        ChangeHeldAsync(transaction, "+", participantId, ">=", position, cancellationToken);

    /// <summary>An abandoned plan gives back its unanswered stimuli (positions from <paramref name="position"/> on).</summary>
    public Task ReleaseRemainingAsync(DbTransaction transaction, long participantId, int position, CancellationToken cancellationToken) =>
        ChangeHeldAsync(transaction, "-", participantId, ">=", position, cancellationToken);

    /// <summary>
    /// A withdrawn participant gives back their answers and the stimuli their plan still holds:
    /// the whole plan, or only the positions before <paramref name="heldBefore"/> where abandonment
    /// already gave back the rest. Runs before the participant's rows are deleted.
    /// </summary>
    public async Task ReleaseWithdrawnAsync(DbTransaction transaction, long participantId, int heldBefore, CancellationToken cancellationToken)
    {
        await ExecuteOnceAsync(connection, transaction, """
            UPDATE stimuli SET answered_count = answered_count - 1
            WHERE id IN (SELECT stimulus_id FROM answers WHERE participant_id = @participant AND stimulus_id IS NOT NULL)
            """, cancellationToken, ("@participant", participantId));
        await ChangeHeldAsync(transaction, "-", participantId, "<", heldBefore, cancellationToken);
    }

    private Task<int> ChangeHeldAsync(DbTransaction transaction, string sign, long participantId, string comparison, int position, CancellationToken cancellationToken) =>
        ExecuteOnceAsync(connection, transaction, $"""
            UPDATE stimuli SET assigned_count = assigned_count {sign} 1
            WHERE id IN (SELECT stimulus_id FROM plan_items WHERE participant_id = @participant AND position {comparison} @position AND stimulus_id IS NOT NULL)
            """, cancellationToken, ("@participant", participantId), ("@position", position));

    public void Dispose() => countAnswer?.Dispose();
}
