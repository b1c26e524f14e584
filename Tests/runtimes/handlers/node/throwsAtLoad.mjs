throw new RangeError('cannot start');
