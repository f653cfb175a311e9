using Google.Protobuf;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Onnx.Proto;

namespace SquadStudy.Engine.Tests;

/// <summary>
/// <c>x.view(x.size(0), -1)</c> exports as Shape → Gather → Unsqueeze → Concat → Reshape; the
/// planner folds the chain to a constant shape. The model must equal the same one with Flatten.
/// </summary>
public class ShapeChainTests
{
    private static ValueInfoProto Input(string name, params long[] dims) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = 1,
                Shape = new TensorShapeProto { Dim = { dims.Select(d => d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d }) } },
            },
        },
    };

    private static TensorProto Floats(string name, long[] dims, int seed)
    {
        var r = new Random(seed);
        var t = new TensorProto { Name = name, DataType = 1, Dims = { dims } };
        t.FloatData.Add(Enumerable.Range(0, (int)dims.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(r.NextDouble() - 0.5)));
        return t;
    }

    private static TensorProto Longs(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = 7, Dims = { values.Length } };
        t.Int64Data.Add(values);
        return t;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, I = value, Type = AttributeProto.Types.AttributeType.Int };

    private static byte[] Model(int opset, bool shapeChain)
    {
        var g = new GraphProto { Name = "g" };
        g.Input.Add(Input("x", -1, 3, 6, 5));
        g.Output.Add(new ValueInfoProto { Name = "logits" });
        g.Initializer.Add(Floats("W", [4, 3, 3, 3], 1));
        g.Initializer.Add(Floats("B", [4], 2));
        g.Initializer.Add(Floats("FC", [7, 4 * 6 * 5], 3));
        g.Initializer.Add(Floats("FCB", [7], 4));
        g.Node.Add(new NodeProto { OpType = "Conv", Input = { "x", "W", "B" }, Output = { "c" }, Attribute = { new AttributeProto { Name = "pads", Ints = { 1, 1, 1, 1 }, Type = AttributeProto.Types.AttributeType.Ints } } });
        g.Node.Add(new NodeProto { OpType = "Relu", Input = { "c" }, Output = { "r" } });
        if (shapeChain)
        {
            g.Initializer.Add(Longs("zero", 0));
            g.Initializer.Add(Longs("minus1", -1));
            var index = new TensorProto { Name = "index", DataType = 7 };
            index.Int64Data.Add(0);
            g.Node.Add(new NodeProto { OpType = "Constant", Output = { "idx" }, Attribute = { new AttributeProto { Name = "value", T = index, Type = AttributeProto.Types.AttributeType.Tensor } } });
            g.Node.Add(new NodeProto { OpType = "Shape", Input = { "r" }, Output = { "s" } });
            g.Node.Add(new NodeProto { OpType = "Gather", Input = { "s", "idx" }, Output = { "n" }, Attribute = { Int("axis", 0) } });
            if (opset >= 13) g.Node.Add(new NodeProto { OpType = "Unsqueeze", Input = { "n", "zero" }, Output = { "n1" } });
            else g.Node.Add(new NodeProto { OpType = "Unsqueeze", Input = { "n" }, Output = { "n1" }, Attribute = { new AttributeProto { Name = "axes", Ints = { 0 }, Type = AttributeProto.Types.AttributeType.Ints } } });
            g.Node.Add(new NodeProto { OpType = "Concat", Input = { "n1", "minus1" }, Output = { "shape" }, Attribute = { Int("axis", 0) } });
            g.Node.Add(new NodeProto { OpType = "Reshape", Input = { "r", "shape" }, Output = { "f" } });
        }
        else g.Node.Add(new NodeProto { OpType = "Flatten", Input = { "r" }, Output = { "f" }, Attribute = { Int("axis", 1) } });
        g.Node.Add(new NodeProto { OpType = "Gemm", Input = { "f", "FC", "FCB" }, Output = { "logits" }, Attribute = { Int("transB", 1) } });
        var model = new ModelProto { IrVersion = 7, Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = opset });
        return model.ToByteArray();
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void ShapeGatherConcatReshape_EqualsFlatten_ForEveryBatchSize(int opset)
    {
        var options = new ModelOptions(InputWidth: 5, InputHeight: 6);
        using var chain = ExplanationModel.Load(Model(opset, shapeChain: true), options);
        using var flatten = ExplanationModel.Load(Model(opset, shapeChain: false), options);
        var r = new Random(5);
        var images = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 90).Select(_ => (float)r.NextDouble()).ToArray()).ToArray();

        var a = chain.Logits(images);
        var b = flatten.Logits(images);
        a.Length.ShouldBe(3);
        for (int i = 0; i < 3; i++) a[i].ShouldBe(b[i]);
        chain.TargetLayer.ShouldBe("r");
    }
}
