using Google.Protobuf;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Onnx;
using SquadStudy.Engine.Onnx.Proto;

namespace SquadStudy.Engine.Tests;

/// <summary>Bad ONNX files (tests/fixtures/engine/malformed, plus hand-made ones) are rejected with a clear message.</summary>
public class MalformedModelTests
{
    private static ModelLoadException Reject(string file) =>
        Should.Throw<ModelLoadException>(() => ExplanationModel.Load(FixturePaths.Engine("malformed", file)));

    [Fact]
    public void ValidTiny_Loads()
    {
        using var model = ExplanationModel.Load(FixturePaths.Engine("malformed", "valid_tiny.onnx"));
        model.Logits(new float[3 * 4 * 4].Select(_ => 1f).ToArray()).ShouldAllBe(v => v == 1.5f);
    }

    [Theory]
    [InlineData("truncated.onnx", "not a valid ONNX file")]
    [InlineData("not_onnx.onnx", "not a valid ONNX file")]
    [InlineData("unsupported_op_foobar.onnx", "operator 'FooBar' is not supported")]
    [InlineData("unsupported_op_foobar.onnx", "foobar_node")]
    [InlineData("unsupported_op_lstm.onnx", "operator 'LSTM' is not supported")]
    [InlineData("cycle.onnx", "cycle")]
    [InlineData("huge_dims.onnx", "initializer 'W'")]
    [InlineData("raw_data_too_short.onnx", "initializer 'W': declared shape [2×3×1×1] needs 6 floats but the file holds 2")]
    [InlineData("negative_dims.onnx", "initializer 'W': dimension 1 is -3")]
    [InlineData("int64_input.onnx", "graph input 'input' has element type INT64")]
    [InlineData("dangling_input.onnx", "'does_not_exist'")]
    [InlineData("empty_graph.onnx", "no graph")]
    [InlineData("conv_channel_mismatch.onnx", "do not fit an input with 3 channels")]
    [InlineData("opset_too_old.onnx", "opset 7 is not supported")]
    public void MalformedFile_IsRejectedWithAClearMessage(string file, string expected)
    {
        var e = Reject(file);
        e.Message.ShouldContain(expected);
        e.Message.ShouldStartWith(FixturePaths.Engine("malformed", file));
    }

    private static ModelProto TinyModel()
    {
        var graph = new GraphProto { Name = "g" };
        graph.Input.Add(new ValueInfoProto
        {
            Name = "x",
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = 1,
                    Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimValue = 1 }, new TensorShapeProto.Types.Dimension { DimValue = 3 }, new TensorShapeProto.Types.Dimension { DimValue = 4 }, new TensorShapeProto.Types.Dimension { DimValue = 4 } } },
                },
            },
        });
        graph.Output.Add(new ValueInfoProto { Name = "y" });
        var w = new TensorProto { Name = "W", DataType = 1, Dims = { 2, 3, 1, 1 } };
        w.FloatData.Add(Enumerable.Repeat(0.5f, 6));
        graph.Initializer.Add(w);
        graph.Node.Add(new NodeProto { Name = "conv", OpType = "Conv", Input = { "x", "W" }, Output = { "c" } });
        graph.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "c" }, Output = { "y" } });
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    private static ModelLoadException RejectBytes(ModelProto model) =>
        Should.Throw<ModelLoadException>(() => ExplanationModel.Load(model.ToByteArray(), source: "hand-made"));

    [Fact]
    public void HugePads_AreRejectedBeforeAllocating()
    {
        var model = TinyModel();
        model.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1000000, 1000000, 1000000, 1000000 } });
        RejectBytes(model).Message.ShouldBe("hand-made: Conv node 'conv': output [1×2×2000004×2000004] is too large");
    }

    [Fact]
    public void ActivationsBeyondTheLimit_AreRejected()
    {
        var model = TinyModel();
        model.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 12000, 12000, 12000, 12000 } });
        RejectBytes(model).Message.ShouldContain("activations would need more than");
    }

    [Fact]
    public void DoubleWeights_AreRejectedNamingTheType()
    {
        var model = TinyModel();
        var w = model.Graph.Initializer[0];
        w.FloatData.Clear();
        w.DataType = 11;
        w.DoubleData.Add(Enumerable.Repeat(0.5, 6));
        RejectBytes(model).Message.ShouldContain("data type DOUBLE is not supported");
    }

    [Fact]
    public void ComputedWeights_AreRejected()
    {
        var model = TinyModel();
        model.Graph.Node[0].Input[1] = "x";
        RejectBytes(model).Message.ShouldContain("weight (input 1) must be a constant");
    }

    [Fact]
    public void ExternalData_IsRejected()
    {
        var model = TinyModel();
        model.Graph.Initializer[0].DataLocation = 1;
        RejectBytes(model).Message.ShouldContain("external tensor data is not supported");
    }

    [Fact]
    public void OutputThatIsNotPerImage_IsRejected()
    {
        var model = TinyModel();
        var shape = new TensorProto { Name = "shape", DataType = 7, Dims = { 1 } };
        shape.Int64Data.Add(-1);
        model.Graph.Initializer.Add(shape);
        model.Graph.Node.Add(new NodeProto { OpType = "Reshape", Input = { "y", "shape" }, Output = { "z" } });
        model.Graph.Output[0].Name = "z";
        RejectBytes(model).Message.ShouldContain("a classifier's output must be N×classes");
    }

    [Fact]
    public void UnknownTargetLayer_ListsTheCandidates()
    {
        var e = Should.Throw<ModelLoadException>(() => ExplanationModel.Load(
            FixturePaths.Engine("vgglike_op13", "model.onnx"), new ModelOptions(TargetLayer: "no_such_layer")));
        e.Message.ShouldContain("'no_such_layer'");
        e.Message.ShouldContain("/features/features.11/Relu_output_0");
    }

    [Fact]
    public void MutatedModelBytes_NeverEscapeAsAnythingButModelLoadException()
    {
        // A bounded fuzz loop: 300 copies of a real model with 1–8 random byte edits, truncations
        // or splices (fixed seed). Loading may succeed or fail, but only with ModelLoadException.
        var original = File.ReadAllBytes(FixturePaths.Engine("resnetlike_op11", "model.onnx"));
        var random = new Random(20261122);
        int rejected = 0, loaded = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])original.Clone();
            switch (trial % 3)
            {
                case 0:
                    for (int e = random.Next(1, 9); e > 0; e--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes = bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();
                    break;
                default:
                    // Rewrites a varint-looking byte into a large length or value.
                    int at = random.Next(bytes.Length - 5);
                    bytes[at] = 0xFF; bytes[at + 1] = 0xFF; bytes[at + 2] = 0xFF; bytes[at + 3] = 0x7F;
                    break;
            }
            try
            {
                using var model = ExplanationModel.Load(bytes, source: $"mutation {trial}");
                model.Logits(new float[model.InputLength]).ShouldNotBeNull();
                loaded++;
            }
            catch (ModelLoadException)
            {
                rejected++;
            }
        }
        (rejected + loaded).ShouldBe(300);
        rejected.ShouldBeGreaterThan(100);
    }
}
