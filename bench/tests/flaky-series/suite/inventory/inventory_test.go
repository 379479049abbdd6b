package inventory

import (
	"hash/fnv"
	"os"
	"strconv"
	"testing"
)

// chance draws a number in [0, 1) from RUN_SEED and the test name: every run is reproducible.
func chance(t *testing.T) float64 {
	seed, _ := strconv.Atoi(os.Getenv("RUN_SEED"))
	h := fnv.New64a()
	h.Write([]byte(t.Name() + ":" + strconv.Itoa(seed)))
	return float64(h.Sum64()%10000) / 10000
}

func TestItem00(t *testing.T) {
	if 0+1 != 1 {
		t.Fatal("arithmetic")
	}
}

func TestItem01(t *testing.T) {
	if 1+1 != 2 {
		t.Fatal("arithmetic")
	}
}

func TestItem02(t *testing.T) {
	if 2+1 != 3 {
		t.Fatal("arithmetic")
	}
}

func TestItem03(t *testing.T) {
	if r := chance(t); r < 0.3 {
		t.Fatalf("stock service timed out (draw %.4f)", r)
	}
}

func TestItem04(t *testing.T) {
	if 4+1 != 5 {
		t.Fatal("arithmetic")
	}
}

func TestItem05(t *testing.T) {
	if 5+1 != 6 {
		t.Fatal("arithmetic")
	}
}

func TestItem06(t *testing.T) {
	if 6+1 != 7 {
		t.Fatal("arithmetic")
	}
}

func TestItem07(t *testing.T) {
	if 7+1 != 8 {
		t.Fatal("arithmetic")
	}
}

func TestItem08(t *testing.T) {
	if r := chance(t); r < 0.25 {
		t.Fatalf("stock service timed out (draw %.4f)", r)
	}
}

func TestItem09(t *testing.T) {
	if 9+1 != 10 {
		t.Fatal("arithmetic")
	}
}

func TestItem10(t *testing.T) {
	if 10+1 != 11 {
		t.Fatal("arithmetic")
	}
}

func TestItem11(t *testing.T) {
	t.Fatal("reservation count is off by one")
}

func TestItem12(t *testing.T) {
	if 12+1 != 13 {
		t.Fatal("arithmetic")
	}
}

func TestItem13(t *testing.T) {
	if 13+1 != 14 {
		t.Fatal("arithmetic")
	}
}

func TestItem14(t *testing.T) {
	if 14+1 != 15 {
		t.Fatal("arithmetic")
	}
}

func TestItem15(t *testing.T) {
	if r := chance(t); r < 0.4 {
		t.Fatalf("stock service timed out (draw %.4f)", r)
	}
}

func TestItem16(t *testing.T) {
	if 16+1 != 17 {
		t.Fatal("arithmetic")
	}
}

func TestItem17(t *testing.T) {
	if 17+1 != 18 {
		t.Fatal("arithmetic")
	}
}

func TestItem18(t *testing.T) {
	if 18+1 != 19 {
		t.Fatal("arithmetic")
	}
}

func TestItem19(t *testing.T) {
	if 19+1 != 20 {
		t.Fatal("arithmetic")
	}
}

func TestItem20(t *testing.T) {
	if 20+1 != 21 {
		t.Fatal("arithmetic")
	}
}

func TestItem21(t *testing.T) {
	if r := chance(t); r < 0.2 {
		t.Fatalf("stock service timed out (draw %.4f)", r)
	}
}

func TestItem22(t *testing.T) {
	if 22+1 != 23 {
		t.Fatal("arithmetic")
	}
}

func TestItem23(t *testing.T) {
	if 23+1 != 24 {
		t.Fatal("arithmetic")
	}
}

func TestItem24(t *testing.T) {
	if 24+1 != 25 {
		t.Fatal("arithmetic")
	}
}

func TestItem25(t *testing.T) {
	if 25+1 != 26 {
		t.Fatal("arithmetic")
	}
}

func TestItem26(t *testing.T) {
	t.Fatal("reservation count is off by one")
}

func TestItem27(t *testing.T) {
	if 27+1 != 28 {
		t.Fatal("arithmetic")
	}
}

func TestItem28(t *testing.T) {
	if 28+1 != 29 {
		t.Fatal("arithmetic")
	}
}

func TestItem29(t *testing.T) {
	if 29+1 != 30 {
		t.Fatal("arithmetic")
	}
}

func TestItem30(t *testing.T) {
	if r := chance(t); r < 0.35 {
		t.Fatalf("stock service timed out (draw %.4f)", r)
	}
}

func TestItem31(t *testing.T) {
	if 31+1 != 32 {
		t.Fatal("arithmetic")
	}
}

func TestItem32(t *testing.T) {
	if 32+1 != 33 {
		t.Fatal("arithmetic")
	}
}

func TestItem33(t *testing.T) {
	if 33+1 != 34 {
		t.Fatal("arithmetic")
	}
}

func TestItem34(t *testing.T) {
	if 34+1 != 35 {
		t.Fatal("arithmetic")
	}
}

func TestItem35(t *testing.T) {
	if 35+1 != 36 {
		t.Fatal("arithmetic")
	}
}

func TestItem36(t *testing.T) {
	if 36+1 != 37 {
		t.Fatal("arithmetic")
	}
}

func TestItem37(t *testing.T) {
	if r := chance(t); r < 0.3 {
		t.Fatalf("stock service timed out (draw %.4f)", r)
	}
}

func TestItem38(t *testing.T) {
	if 38+1 != 39 {
		t.Fatal("arithmetic")
	}
}

func TestItem39(t *testing.T) {
	if 39+1 != 40 {
		t.Fatal("arithmetic")
	}
}
