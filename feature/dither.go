package feature

// mt19937 is the 32-bit Mersenne Twister (Matsumoto & Nishimura, init_genrand seeding), the generator
// behind sphinxbase's s3_rand_int31, which the dither draws from. Memory: 624 words.
type mt19937 struct {
	mt  [624]uint32
	mti int
}

func newMT19937(seed uint32) *mt19937 {
	r := &mt19937{}
	r.mt[0] = seed
	for i := 1; i < len(r.mt); i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.mti = len(r.mt)
	return r
}

// uint32 returns the next output on [0, 2³²).
func (r *mt19937) uint32() uint32 {
	const n, m = 624, 397
	const upper, lower, matrixA = 0x80000000, 0x7fffffff, 0x9908b0df
	if r.mti >= n {
		mag := [2]uint32{0, matrixA}
		kk := 0
		for ; kk < n-m; kk++ {
			y := r.mt[kk]&upper | r.mt[kk+1]&lower
			r.mt[kk] = r.mt[kk+m] ^ y>>1 ^ mag[y&1]
		}
		for ; kk < n-1; kk++ {
			y := r.mt[kk]&upper | r.mt[kk+1]&lower
			r.mt[kk] = r.mt[kk+m-n] ^ y>>1 ^ mag[y&1]
		}
		y := r.mt[n-1]&upper | r.mt[0]&lower
		r.mt[n-1] = r.mt[m-1] ^ y>>1 ^ mag[y&1]
		r.mti = 0
	}
	y := r.mt[r.mti]
	r.mti++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}
