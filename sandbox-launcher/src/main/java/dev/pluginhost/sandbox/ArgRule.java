package dev.pluginhost.sandbox;

import java.util.Objects;

/**
 * A condition on one integer argument of a system call, compared as a full 64-bit unsigned value (garbage in the
 * upper half does not slip through a 32-bit compare). seccomp cannot see memory behind pointers: conditions on
 * pointer arguments are meaningless.
 *
 * @param index argument index, 0 to 5
 * @param op comparison
 * @param value the operand; for {@link Op#MASKED_EQ} the value {@code (arg & mask)} must equal
 * @param mask only for {@link Op#MASKED_EQ}, otherwise 0
 */
public record ArgRule(int index, Op op, long value, long mask) {

    /** Comparison operators, as libseccomp's {@code enum scmp_compare}. Order comparisons are unsigned. */
    public enum Op {
        NE(1), LT(2), LE(3), EQ(4), GE(5), GT(6), MASKED_EQ(7);

        final int code;

        Op(int code) {
            this.code = code;
        }
    }

    /** Validates the index and the operator. */
    public ArgRule {
        if (index < 0 || index > 5) {
            throw new IllegalArgumentException("argument index must be 0..5: " + index);
        }
        Objects.requireNonNull(op, "op");
        if (op != Op.MASKED_EQ && mask != 0) {
            throw new IllegalArgumentException("mask is only for MASKED_EQ");
        }
    }

    public static ArgRule eq(int index, long value) {
        return new ArgRule(index, Op.EQ, value, 0);
    }

    public static ArgRule ne(int index, long value) {
        return new ArgRule(index, Op.NE, value, 0);
    }

    public static ArgRule lt(int index, long value) {
        return new ArgRule(index, Op.LT, value, 0);
    }

    public static ArgRule le(int index, long value) {
        return new ArgRule(index, Op.LE, value, 0);
    }

    public static ArgRule gt(int index, long value) {
        return new ArgRule(index, Op.GT, value, 0);
    }

    public static ArgRule ge(int index, long value) {
        return new ArgRule(index, Op.GE, value, 0);
    }

    /** {@code (arg[index] & mask) == value}. */
    public static ArgRule maskedEq(int index, long mask, long value) {
        return new ArgRule(index, Op.MASKED_EQ, value, mask);
    }

    @Override
    public String toString() {
        return op == Op.MASKED_EQ
                ? "arg" + index + " & 0x" + Long.toHexString(mask) + " == 0x" + Long.toHexString(value)
                : "arg" + index + " " + op + " 0x" + Long.toHexString(value);
    }
}
