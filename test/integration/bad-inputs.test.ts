import {expect} from 'chai'

import {BAD_INPUTS, checkedIn, renderTable, runAll} from '../helpers/bad-inputs'

describe('bad input (docs/bad-inputs.md)', function () {
  this.timeout(600_000)

  it('answers each input with the exit status and one-line message the checked-in table shows (npm run bad-inputs regenerates it)', async () => {
    const rows = await runAll()
    expect(rows.length).to.equal(BAD_INPUTS.length).and.to.be.at.least(40)
    for (const {input, outcome} of rows) {
      expect(outcome.exit, `cdcctl ${input.args.join(' ')}: ${outcome.message}`).to.be.oneOf([1, 2])
      expect(outcome.message, `cdcctl ${input.args.join(' ')}`).to.not.match(/^\s*at |\n/)
    }
    expect(renderTable(rows)).to.equal(checkedIn())
  })
})
