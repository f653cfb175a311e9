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

    /// <summary>Strides of <paramref name="operand"/> seen through the broadcast <paramref name="output"/> shape (0 on broadcast axes).</summary>
    public static int[] Strides(int[] operand, int[] output)
    {
        var strides = new int[output.Length];
        int stride = 1;
        for (int i = output.Length - 1; i >= 0; i--)
        {
            int j = i - (output.Length - operand.Length);
            int d = j >= 0 ? operand[j] : 1;
            strides[i] = d == 1 ? 0 : stride;
            stride *= d;
        }
        return strides;
    }

    /// <summary>Calls <paramref name="visit"/>(outputIndex, operandIndex) for every output element.</summary>
    public static void ForEach(int[] output, int[] strides, Action<int, int> visit)
    {
        int total = Tensors.ShapeUtil.Size(output);
        var counter = new int[output.Length];
        int offset = 0;
        for (int i = 0; i < total; i++)
        {
            visit(i, offset);
            for (int d = output.Length - 1; d >= 0; d--)
            {
                counter[d]++;
                offset += strides[d];
                if (counter[d] < output[d]) break;
                offset -= strides[d] * counter[d];
                counter[d] = 0;
            }
        }
    }

    /// <summary>The operand's flat index for every output element.</summary>
    public static int[] IndexMap(int[] operand, int[] output)
    {
        var map = new int[Tensors.ShapeUtil.Size(output)];
        ForEach(output, Strides(operand, output), (i, j) => map[i] = j);
        return map;
    }
}
