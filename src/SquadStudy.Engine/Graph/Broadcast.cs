namespace SquadStudy.Engine.Graph;

/// <summary>NumPy-style (multidirectional) broadcasting, as ONNX Add uses.</summary>
internal static class Broadcast
{
    public static int[]? Shape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1) return null;
            r[i] = da == 1 ? db : da;
        }
        return r;
    }
}
