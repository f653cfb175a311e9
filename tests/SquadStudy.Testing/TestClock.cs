namespace SquadStudy.Testing;

/// <summary>
/// The system clock plus an offset that a test moves forward, so a test that needs time to pass
/// (a response time, a first-shown time kept on reload) moves the site's clock instead of
/// sleeping and hoping the machine kept up.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private long offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref offsetTicks, by.Ticks);
    }
}
