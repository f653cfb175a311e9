namespace SquadStudy.Engine.Tests.Imaging;

internal static class NumericAssert
{
    /// <summary>
    /// Every |actual − expected| ≤ relative · max(1, |expected|) (an absolute tolerance below 1, a
    /// relative one above); reports the worst element.
    /// </summary>
    public static void Close(float[] actual, float[] expected, double relative, string what)
    {
        actual.Length.ShouldBe(expected.Length, what);
        var worst = -1;
        var worstRatio = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var ratio = Math.Abs((double)actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            if (!(ratio <= worstRatio))
            {
                worstRatio = ratio;
                worst = i;
            }
        }

        worstRatio.ShouldBeLessThanOrEqualTo(relative,
            worst < 0 ? what : $"{what}: worst at {worst}, actual {actual[worst]}, expected {expected[worst]}");
    }
}
